// Deterministic, plausible log-probabilities for the simulated model's tokens, in vLLM's two
// response shapes: every value <= 0, the alternatives sorted most likely first with the sampled token
// among them, and their probabilities summing below 1.

/** One position's log-probabilities: the sampled token's and the top alternatives (sampled included when k > 0). */
export interface PositionLogprobs {
  id: number;
  logprob: number;
  top: { id: number; logprob: number }[];
}

function mix(a: number, b: number): number {
  let h = Math.imul(a ^ 0x9e3779b9, 0x85ebca6b) ^ b;
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/**
 * The log-probabilities at one position: `k` alternatives drawn from `candidates` around the sampled
 * token `id` (seeded by `seed` and the position, so a request repeated gives the same values).
 */
export function positionLogprobs(id: number, position: number, seed: number, k: number, candidates: readonly number[]): PositionLogprobs {
  const h = mix(seed, position);
  const count = Math.max(1, k);
  // Descending values with irregular gaps, then shifted so their probabilities sum to at most 0.95.
  const values: number[] = [];
  let v = -0.02 - (h % 97) / 100;
  for (let j = 0; j < count; j++) {
    values.push(v);
    v -= 0.3 + (mix(h, j) % 120) / 100;
  }
  const mass = values.reduce((s, x) => s + Math.exp(x), 0);
  const shift = Math.max(0, Math.log(mass / 0.95));
  const logprobs = values.map((x) => x - shift);
  // The sampled token is usually the most likely, sometimes the second or third.
  const rank = k > 0 ? (h >>> 8) % Math.min(k, 3) : 0;
  const ids: number[] = [];
  for (let j = 0; ids.length < count - 1 && j < candidates.length * 2; j++) {
    const c = candidates[mix(h, 1000 + j) % candidates.length];
    if (c !== id && !ids.includes(c)) ids.push(c);
  }
  ids.splice(rank, 0, id);
  const top = k > 0 ? ids.slice(0, k).map((t, j) => ({ id: t, logprob: logprobs[j] })) : [];
  return { id, logprob: logprobs[rank], top };
}

/** How a token id reads in a logprobs answer (the token decoded on its own, as vLLM shows it). */
export type TokenText = (id: number) => string;

/** The completions shape: parallel lists, each top_logprobs entry a map from token text to logprob. */
export interface CompletionLogprobs {
  tokens: string[];
  token_logprobs: (number | null)[];
  top_logprobs: (Record<string, number> | null)[];
  text_offset: number[];
}

export function completionLogprobs(positions: readonly (PositionLogprobs | { id: number; prompt: true; first: boolean })[], text: TokenText, startOffset: number): CompletionLogprobs {
  const out: CompletionLogprobs = { tokens: [], token_logprobs: [], top_logprobs: [], text_offset: [] };
  let offset = startOffset;
  for (const p of positions) {
    const token = text(p.id);
    out.tokens.push(token);
    out.text_offset.push(offset);
    offset += token.length;
    if ('prompt' in p && p.first) {
      // The first prompt token has nothing before it to be predicted from.
      out.token_logprobs.push(null);
      out.top_logprobs.push(null);
      continue;
    }
    const lp = p as PositionLogprobs;
    out.token_logprobs.push(lp.logprob);
    const top: Record<string, number> = {};
    for (const t of lp.top) top[text(t.id)] ??= t.logprob;
    top[token] ??= lp.logprob;
    out.top_logprobs.push(top);
  }
  return out;
}

export interface ChatLogprobEntry {
  token: string;
  logprob: number;
  bytes: number[];
  top_logprobs: { token: string; logprob: number; bytes: number[] }[];
}

export function chatLogprobs(positions: readonly PositionLogprobs[], text: TokenText): { content: ChatLogprobEntry[] } {
  const entry = (id: number, logprob: number) => {
    const token = text(id);
    return { token, logprob, bytes: [...Buffer.from(token, 'utf8')] };
  };
  return { content: positions.map((p) => ({ ...entry(p.id, p.logprob), top_logprobs: p.top.map((t) => entry(t.id, t.logprob)) })) };
}
