// llmd's own keys for vLLM KV blocks: chained hashes of each full block's token ids (and the LoRA
// adapter), seeded by llmd rather than by vLLM, so they never depend on the engine's PYTHONHASHSEED.
// The index keys blocks from BlockStored.token_ids; Score keys the prompt the same way.

/** A 53-bit block key (a safe integer: cheap as a Map key). */
export type BlockKey = number;

/** One murmur3-style 32-bit mixing round of `v` into lane `h`. */
export function mix(h: number, v: number): number {
  let k = Math.imul(v, 0xcc9e2d51);
  k = (k << 15) | (k >>> 17);
  k = Math.imul(k, 0x1b873593);
  h ^= k;
  h = (h << 13) | (h >>> 19);
  return (Math.imul(h, 5) + 0xe6546b64) | 0;
}

/** murmur3's 32-bit finaliser. */
export function fmix(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/** FNV-1a of a string, as one 32-bit word. */
export function stringWord(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

/** The key of one block: its parent's key (undefined for the first block), its tokens, its adapter. */
export function blockKey(parent: BlockKey | undefined, tokens: ArrayLike<number>, from: number, to: number, extra: string | undefined, seed: number): BlockKey {
  let a = parent === undefined ? seed | 0 : (parent / 0x100000000) | 0;
  let b = parent === undefined ? ~seed : parent >>> 0;
  for (let i = from; i < to; i++) {
    a = mix(a, tokens[i]);
    b = mix(b, tokens[i] ^ 0x5bd1e995);
  }
  if (extra) {
    const w = stringWord(extra);
    a = mix(a, w);
    b = mix(b, ~w);
  }
  return (fmix(a ^ (to - from)) & 0x1fffff) * 0x100000000 + fmix(b ^ 0x27d4eb2f);
}

/** Keys of every full block of `tokens` (at most `maxBlocks`), chained from `parent`. */
export function tokenBlockKeys(tokens: ArrayLike<number>, blockSize: number, opts: { parent?: BlockKey; extra?: string; seed?: number; maxBlocks?: number } = {}): BlockKey[] {
  const full = Math.min(Math.floor(tokens.length / blockSize), opts.maxBlocks ?? Infinity);
  const out: BlockKey[] = new Array(full);
  let parent = opts.parent;
  for (let i = 0; i < full; i++) {
    parent = blockKey(parent, tokens, i * blockSize, (i + 1) * blockSize, opts.extra, opts.seed ?? 0);
    out[i] = parent;
  }
  return out;
}
