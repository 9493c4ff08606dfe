// Deterministic generated text: the same seed and prompt give the same tokens, like greedy decoding.

const WORDS = (
  'the of and to in is that for it as with was on be by this are from at or an which one have has not but all ' +
  'model token cache prefix block batch decode prefill latency throughput request pod gateway router scheduler ' +
  'memory tensor layer attention kernel stream queue score endpoint cluster node replica policy route serve'
).split(' ');

/** FNV-1a over a string, as a 32-bit seed. */
export function hashString(s: string, seed = 0x811c9dc5): number {
  let h = seed >>> 0;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}

export class TextGenerator {
  private state: number;

  constructor(seed: number, prompt: string) {
    this.state = hashString(prompt, (seed ^ 0x9e3779b9) >>> 0) || 1;
  }

  /** The next token's text (a word with its leading space). */
  next(): string {
    // xorshift32
    let x = this.state;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    this.state = x >>> 0;
    return ' ' + WORDS[this.state % WORDS.length];
  }
}
