// Text prompts for the live routing study: each workload prompt's token ids as chat messages of plain
// English words (one common word per id, so about one token each), as a real client sends them. Equal
// id prefixes give equal text prefixes, so the workload's sharing is kept; the shared part becomes the
// system message (or the start of the one user message) and the rest the user's question.
import type { WorkloadRequest } from './workloads';

export type TextShape = 'system-user' | 'one-message';

export interface ChatMessage {
  role: 'system' | 'user';
  content: string;
}

// Common words that Llama-3, Qwen3 and Gemma-3 each encode as one token after a space.
const WORDS = (
  'the of and to in is for on that with as was by at from this are be or an it not have has had which were but all their more they one can will about ' +
  'other also been new time into some when would there two first these its after out only them most up over such many may made like then people years ' +
  'than could so used very way world where both work each well life part between under during state year same while three city system long through high ' +
  'day over group since before local back around still much during number own family country second just name house water good four even school small ' +
  'music power game history public place early large great main area best point show story team war end book line form best film known left next later ' +
  'music south north west east land sea river road street light home body field case fact level order party water money market report result service'
)
  .split(' ')
  .filter((w, i, all) => w && all.indexOf(w) === i);

/** The text standing for `ids`: one word per id, space separated, the same words for the same ids. */
export function textOf(ids: readonly number[]): string {
  let out = '';
  for (let i = 0; i < ids.length; i++) out += (i === 0 ? '' : ' ') + WORDS[ids[i] % WORDS.length];
  return out;
}

/** The chat messages of a workload request: its shared prefix and its own part, as text. */
export function chatMessagesOf(r: WorkloadRequest, shape: TextShape): ChatMessage[] {
  const ids = r.promptTokenIds;
  const shared = Math.min(ids.length, r.sharedTokens ?? 0);
  const prefix = textOf(ids.slice(0, shared));
  const question = textOf(ids.slice(shared));
  if (shape === 'one-message' || shared === 0) return [{ role: 'user', content: [prefix, question].filter(Boolean).join(' ') }];
  return [
    { role: 'system', content: prefix },
    { role: 'user', content: question },
  ];
}
