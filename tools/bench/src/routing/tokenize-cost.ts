// What tokenizing a text prompt costs, for the simulator's text-prompt mode: a client that sends chat
// text (not token ids) makes cache-manager tokenize it inside the Pick's Score and the pod tokenize it
// again before its engine sees it. Measured once with the real tokenizer (libs/tokenizer) on the
// bench machine: `measureTokenizeCost` below, run by `node dist/tools/bench/src/routing/tokenize-cost.js`.
import { Llama3Tokenizer } from '@llmd/tokenizer';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** A per-request tokenization cost, linear in the prompt's tokens. */
export interface TokenizeCost {
  fixedMs: number;
  perTokenMs: number;
}

/**
 * Llama-3 chat template + BPE over fresh text (no piece of it seen before), measured on this
 * project's 2-core dev machine (Node 20, HF tokenizers native bindings, other work running: load
 * average about 10), 2026-12-03, with `measureTokenizeCost()`: medians of 15 requests each of 282,
 * 1231, 3793 and 9464 tokens were 1.22, 3.57, 7.45 and 18.4 ms; the least-squares line through them
 * is 0.85 ms + 1.85 us a token (6.8 ms for a 3,200-token prompt). Two reruns gave 0.63 ms + 2.05 us
 * and 0 + 3.0 us. Chat pieces already seen are cheaper (the tokenizer caches them by text), so for a
 * shared system prompt this is an upper bound.
 */
export const TEXT_TOKENIZE_COST: Readonly<TokenizeCost> = { fixedMs: 0.85, perTokenMs: 0.00185 };

/** Ms to tokenize a prompt of `promptTokens` tokens. */
export function tokenizeMs(promptTokens: number, cost: TokenizeCost = TEXT_TOKENIZE_COST): number {
  return promptTokens <= 0 ? 0 : cost.fixedMs + cost.perTokenMs * promptTokens;
}

/** Times `encodeChat` on fresh English text (slices of the repo's README; run from the repo root) at each size; the median per size and the fitted line. */
export async function measureTokenizeCost(sizes: readonly number[] = [256, 1024, 3200, 8192], reps = 15): Promise<{ points: { tokens: number; ms: number }[]; cost: TokenizeCost }> {
  const tokenizer = Llama3Tokenizer.load();
  const corpus = readFileSync(join(process.cwd(), 'README.md'), 'utf8').repeat(2);
  const points: { tokens: number; ms: number }[] = [];
  // Warm up the native binding and the template once.
  await tokenizer.encodeChat([{ role: 'user', content: corpus.slice(0, 4000) }]);
  let offset = 1;
  for (const size of sizes) {
    const chars = Math.round(size * 4.2);
    const samples: number[] = [];
    let tokens = 0;
    for (let i = 0; i < reps; i++) {
      offset += 13; // every request's text is new: no cached chat piece
      const text = corpus.slice(offset, offset + chars);
      const messages = [
        { role: 'system', content: text.slice(0, Math.floor(chars * 0.9)) },
        { role: 'user', content: text.slice(Math.floor(chars * 0.9)) },
      ];
      const t0 = performance.now();
      tokens = (await tokenizer.encodeChat(messages)).length;
      samples.push(performance.now() - t0);
    }
    samples.sort((a, b) => a - b);
    points.push({ tokens, ms: samples[Math.floor(samples.length / 2)] });
  }
  return { points, cost: fitLine(points) };
}

/** Least-squares line ms = fixed + perToken x tokens (a negative intercept is clamped to 0). */
export function fitLine(points: readonly { tokens: number; ms: number }[]): TokenizeCost {
  const n = points.length;
  const mx = points.reduce((s, p) => s + p.tokens, 0) / n;
  const my = points.reduce((s, p) => s + p.ms, 0) / n;
  const sxx = points.reduce((s, p) => s + (p.tokens - mx) ** 2, 0);
  const sxy = points.reduce((s, p) => s + (p.tokens - mx) * (p.ms - my), 0);
  const perTokenMs = sxx === 0 ? 0 : sxy / sxx;
  return { fixedMs: Math.max(0, my - perTokenMs * mx), perTokenMs };
}

if (require.main === module) {
  void measureTokenizeCost().then((r) => process.stdout.write(`${JSON.stringify(r, null, 2)}\n`));
}
