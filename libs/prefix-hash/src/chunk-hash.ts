// Approximate prefix hashing without a tokenizer: the prompt is cut into fixed-size chunks (of
// characters, or of token ids when the client sent tokens) and each chunk's hash chains its parent's,
// so two prompts share the first k hashes exactly when they share their first k chunks.

/** 53-bit chained chunk hashes (safe as JS numbers and Map keys). */
export type ChunkHash = number;

const P1 = 0x01000193;

function finish(a: number, b: number): ChunkHash {
  // Two 32-bit FNV-1a lanes folded into 53 bits.
  return ((a >>> 0) & 0x1fffff) * 0x100000000 + (b >>> 0);
}

const PRIME1 = 0x9e3779b1;
const PRIME2 = 0x85ebca77;

/** One xxHash32-style round: a 32-bit word into a lane. */
function round(lane: number, word: number): number {
  lane = (lane + Math.imul(word, PRIME2)) | 0;
  return Math.imul((lane << 13) | (lane >>> 19), PRIME1);
}

/** murmur3's 32-bit finaliser (every input bit reaches every output bit). */
function avalanche(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/**
 * Hashes of the full `chunkSize`-character chunks of `text`, at most `maxChunks`, each chained to its
 * parent. Two UTF-16 code units make one 32-bit word, and the words go to two lanes in turn, each
 * mixed xxHash32-style (one multiply-rotate-multiply per word): about half the work of two
 * character-wise FNV lanes, on a path that hashes up to 16k characters per Pick. Each chunk's hash
 * is both lanes avalanched, so every character of the chain reaches all 53 bits. With an even chunk
 * size the text is first copied as UTF-16 into a reused buffer (one native copy) and read a word at a
 * time, which is several times faster than reading it a character at a time; both paths give the
 * same hashes.
 */
export function hashTextChunks(text: string, chunkSize: number, maxChunks: number, seed = 0): ChunkHash[] {
  const count = Math.min(Math.floor(text.length / chunkSize), maxChunks);
  if (count > 0 && chunkSize % 2 === 0 && typeof Buffer !== 'undefined') return hashWords(utf16Words(text, count * chunkSize), chunkSize / 2, count, seed);
  return hashTextChunksByChar(text, chunkSize, count, seed);
}

/** hashTextChunks a character at a time (odd chunk sizes, or no Buffer). Exported for the spec. */
export function hashTextChunksByChar(text: string, chunkSize: number, count: number, seed: number): ChunkHash[] {
  const out: ChunkHash[] = new Array(count);
  let a = (0x811c9dc5 ^ seed) | 0;
  let b = (0x050c5d1f ^ seed) | 0;
  for (let c = 0; c < count; c++) {
    const end = (c + 1) * chunkSize;
    let i = c * chunkSize;
    for (; i + 3 < end; i += 4) {
      a = round(a, text.charCodeAt(i) | (text.charCodeAt(i + 1) << 16));
      b = round(b, text.charCodeAt(i + 2) | (text.charCodeAt(i + 3) << 16));
    }
    if (i + 1 < end) {
      a = round(a, text.charCodeAt(i) | (text.charCodeAt(i + 1) << 16));
      i += 2;
    }
    if (i < end) a = round(a, text.charCodeAt(i));
    // The chunk boundary goes into the chain too, so it also encodes where chunks end.
    a = round(a, 0xff);
    b = round(b, 0xfe);
    out[c] = chunkHash(a, b);
  }
  return out;
}

function chunkHash(a: number, b: number): ChunkHash {
  return (avalanche(a ^ Math.imul(b, PRIME2)) & 0x1fffff) * 0x100000000 + avalanche(b ^ Math.imul(a, PRIME1));
}

/** The same chain over 32-bit words, `wordsPerChunk` of them per chunk. */
function hashWords(words: Int32Array, wordsPerChunk: number, count: number, seed: number): ChunkHash[] {
  const out: ChunkHash[] = new Array(count);
  let a = (0x811c9dc5 ^ seed) | 0;
  let b = (0x050c5d1f ^ seed) | 0;
  for (let c = 0; c < count; c++) {
    const end = (c + 1) * wordsPerChunk;
    let k = c * wordsPerChunk;
    for (; k + 1 < end; k += 2) {
      a = round(a, words[k]);
      b = round(b, words[k + 1]);
    }
    if (k < end) a = round(a, words[k]);
    a = round(a, 0xff);
    b = round(b, 0xfe);
    out[c] = chunkHash(a, b);
  }
  return out;
}

/** A reused, 4-byte-aligned buffer the text is copied into. */
let scratch: { bytes: Buffer; words: Int32Array } | undefined;

/**
 * The first `chars` UTF-16 code units of `text` as 32-bit words (code unit 2k in the low half of word
 * k on little-endian machines; the hashes only need to agree within one process). Valid until the
 * next call.
 */
function utf16Words(text: string, chars: number): Int32Array {
  const bytes = chars * 2;
  if (!scratch || scratch.bytes.length < bytes) {
    const size = Math.max(bytes, 64 * 1024);
    const buf = Buffer.allocUnsafeSlow(size);
    scratch = { bytes: buf, words: new Int32Array(buf.buffer, buf.byteOffset, size >> 2) };
  }
  scratch.bytes.write(text, 0, bytes, 'utf16le');
  return scratch.words;
}

/** As hashTextChunks, over token ids (for clients that send token prompts). */
export function hashTokenChunks(tokens: ArrayLike<number>, chunkSize: number, maxChunks: number, seed = 0): ChunkHash[] {
  const count = Math.min(Math.floor(tokens.length / chunkSize), maxChunks);
  const out: ChunkHash[] = new Array(count);
  let a = (0x811c9dc5 ^ seed ^ 0x5bd1e995) >>> 0;
  let b = (0x050c5d1f ^ seed) >>> 0;
  for (let c = 0; c < count; c++) {
    const end = (c + 1) * chunkSize;
    for (let i = c * chunkSize; i < end; i++) {
      const t = tokens[i];
      a = Math.imul(a ^ (t & 0xffff), P1);
      a = Math.imul(a ^ (t >>> 16), P1);
      b = Math.imul(b ^ t, P1);
    }
    out[c] = finish(a, b);
  }
  return out;
}
