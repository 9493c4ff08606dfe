// Deterministic generated text: the same seed and prompt give the same tokens, like greedy decoding.
import type { TokenSource } from './engine-types';

export const OUTPUT_WORDS = (
  'the of and to in is that for it as with was on be by this are from at or an which one have has not but all ' +
  'model token cache prefix block batch decode prefill latency throughput request pod gateway router scheduler ' +
  'memory tensor layer attention kernel stream queue score endpoint cluster node replica policy route serve'
).split(' ');

/**
 * Words for non-ASCII output: accented Latin, CJK, Korean, emoji (some of them several code points),
 * mixed with English. Each is emitted as the model's own tokens for it.
 */
export const MULTILINGUAL_WORDS = (
  'the model cache token café naïve crème brûlée über Straße señor façade déjà vu São Paulo Zürich ' +
  '日本語 東京 学习 中文 模型 缓存 推理 한국어 서울 привет мир ' +
  '😀 👍🏽 🚀 🎉 ❤️ 👩‍💻 🇫🇷 ✅'
).split(' ');

/** An output vocabulary: each word's text (with its leading space) and its token id. */
export type Vocabulary = readonly { id: number; text: string }[];

/** One emitted token: its id and the text it adds to the output (empty while a character is incomplete). */
export interface TokenDelta {
  id: number;
  text: string;
}

/**
 * The text each token adds when tokens are decoded one at a time, as vLLM's incremental detokenizer
 * does: bytes of a character split across tokens (byte-level BPE cuts emoji and CJK) yield nothing
 * until the character is complete, then the whole character.
 */
export function utf8Deltas(tokenBytes: readonly Uint8Array[]): string[] {
  const decoder = new TextDecoder('utf-8');
  return tokenBytes.map((b, i) => decoder.decode(b, { stream: i < tokenBytes.length - 1 }));
}

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

/** Deterministic output drawn word by word, each word emitted as its tokens (several for most non-ASCII words). */
export class PhraseGenerator implements TokenSource {
  private state: number;
  private current: readonly TokenDelta[] = [];
  private at = 0;

  constructor(
    private readonly phrases: readonly (readonly TokenDelta[])[],
    seed: number,
  ) {
    if (phrases.length === 0 || phrases.some((p) => p.length === 0)) throw new Error('PhraseGenerator needs non-empty phrases');
    this.state = seed >>> 0 || 1;
  }

  next(): TokenDelta {
    if (this.at >= this.current.length) {
      let x = this.state;
      x ^= x << 13;
      x ^= x >>> 17;
      x ^= x << 5;
      this.state = x >>> 0;
      this.current = this.phrases[this.state % this.phrases.length];
      this.at = 0;
    }
    return this.current[this.at++];
  }
}
