// Deterministic generated text: the same seed and prompt give the same tokens, like greedy decoding.
import type { TokenSource } from './engine-types';

export const OUTPUT_WORDS = (
  'the of and to in is that for it as with was on be by this are from at or an which one have has not but all ' +
  'model token cache prefix block batch decode prefill latency throughput request pod gateway router scheduler ' +
  'memory tensor layer attention kernel stream queue score endpoint cluster node replica policy route serve'
).split(' ');

/** An output vocabulary: each word's text (with its leading space) and its token id. */
export type Vocabulary = readonly { id: number; text: string }[];

/** FNV-1a over a string, as a 32-bit seed. */
export function hashString(s: string, seed = 0x811c9dc5): number {
  let h = seed >>> 0;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}

/** Hash of a token sequence (for seeding): cheap, order-sensitive. */
export function hashIds(ids: readonly number[], seed: number): number {
  let h = (seed ^ 0x9e3779b9) >>> 0;
  for (let i = 0; i < ids.length; i++) h = Math.imul(h ^ ids[i], 0x01000193) >>> 0;
  return h;
}

export class TextGenerator implements TokenSource {
  private state: number;

  constructor(
    private readonly vocab: Vocabulary,
    seed: number,
  ) {
    this.state = seed >>> 0 || 1;
  }

  next(): { id: number; text: string } {
    // xorshift32
    let x = this.state;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    this.state = x >>> 0;
    return this.vocab[this.state % this.vocab.length];
  }
}
