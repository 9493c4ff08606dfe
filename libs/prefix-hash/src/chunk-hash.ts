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
 * is both lanes avalanched, so every character of the chain reaches all 53 bits. The text is read
 * from a reused buffer it is copied into once (natively), not a character at a time through
 * charCodeAt, which costs twice as much.
 */
export function hashTextChunks(text: string, chunkSize: number, maxChunks: number, seed = 0): ChunkHash[] {
  const count = Math.min(Math.floor(text.length / chunkSize), maxChunks);
  const units = utf16Units(text, count * chunkSize);
  const out: ChunkHash[] = new Array(count);
  let a = (0x811c9dc5 ^ seed) | 0;
  let b = (0x050c5d1f ^ seed) | 0;
  for (let c = 0; c < count; c++) {
    const end = (c + 1) * chunkSize;
    let i = c * chunkSize;
    for (; i + 3 < end; i += 4) {
      a = round(a, units[i] | (units[i + 1] << 16));
      b = round(b, units[i + 2] | (units[i + 3] << 16));
    }
    if (i + 1 < end) {
      a = round(a, units[i] | (units[i + 1] << 16));
      i += 2;
    }
    if (i < end) a = round(a, units[i]);
    // The chunk boundary goes into the chain too, so it also encodes where chunks end.
    a = round(a, 0xff);
    b = round(b, 0xfe);
    out[c] = (avalanche(a ^ Math.imul(b, PRIME2)) & 0x1fffff) * 0x100000000 + avalanche(b ^ Math.imul(a, PRIME1));
  }
  return out;
}

/** A reused buffer the text is copied into. */
let scratch: { bytes: Buffer; units: Uint16Array } | undefined;

/** The first `chars` UTF-16 code units of `text`, valid until the next call. */
function utf16Units(text: string, chars: number): Uint16Array {
  const bytes = chars * 2;
  if (!scratch || scratch.bytes.length < bytes) {
    const buf = Buffer.allocUnsafeSlow(Math.max(bytes, 64 * 1024));
    scratch = { bytes: buf, units: new Uint16Array(buf.buffer, buf.byteOffset, buf.length >> 1) };
  }
  // utf16le writes each code unit as it is in the string (lone surrogates included).
  scratch.bytes.write(text, 0, bytes, 'utf16le');
  return scratch.units;
}

/** As hashTextChunks, over token ids (for clients that send token prompts). */
export function hashTokenChunks(tokens: readonly number[], chunkSize: number, maxChunks: number, seed = 0): ChunkHash[] {
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
