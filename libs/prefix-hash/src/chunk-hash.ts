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

/** Hashes of the full `chunkSize`-character chunks of `text`, at most `maxChunks`, each chained to its parent. */
export function hashTextChunks(text: string, chunkSize: number, maxChunks: number, seed = 0): ChunkHash[] {
  const count = Math.min(Math.floor(text.length / chunkSize), maxChunks);
  const out: ChunkHash[] = new Array(count);
  let a = (0x811c9dc5 ^ seed) >>> 0;
  let b = (0x050c5d1f ^ seed) >>> 0;
  for (let c = 0; c < count; c++) {
    const end = (c + 1) * chunkSize;
    for (let i = c * chunkSize; i < end; i++) {
      const ch = text.charCodeAt(i);
      a = Math.imul(a ^ ch, P1);
      b = Math.imul(b ^ (ch + 0x9e37), P1);
    }
    out[c] = finish(a, b);
    // Mix the chunk boundary in, so the chain also encodes where chunks end.
    a = Math.imul(a ^ 0xff, P1);
    b = Math.imul(b ^ 0xfe, P1);
  }
  return out;
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
