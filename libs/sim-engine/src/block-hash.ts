// Chained hashes of full KV blocks, as vLLM's prefix cache keys them: a block's hash covers its parent's
// hash, its token ids and its extra keys (the LoRA adapter), so equal hashes mean equal prefixes.
// (The engine's own 64-bit hashes, as vLLM emits them; llmd's index keys blocks independently.)
import { fmix, mix as mixImported, stringWord } from '@llmd/prefix-hash';

// Bound once: the compiled module reads an imported name through a getter on every access, which
// shows up in a loop that runs per token.
const mix = mixImported;
const finalize = fmix;

/** A block hash: `key` (53 of its bits, a plain number) for maps, `value` as the 64-bit integer vLLM's KV events carry. */
export interface BlockHash {
  key: number;
  value: bigint;
}

/** Hash of one block given its parent's hash (undefined for the first block). */
export function hashBlock(parent: BlockHash | undefined, tokens: ArrayLike<number>, extraKey: string | undefined, seed: number): BlockHash {
  let a = parent ? Number(parent.value >> 32n) | 0 : seed | 0;
  let b = parent ? Number(parent.value & 0xffffffffn) | 0 : ~seed;
  for (let i = 0; i < tokens.length; i++) {
    a = mix(a, tokens[i]);
    b = mix(b, tokens[i] ^ 0x9e3779b9);
  }
  if (extraKey) {
    const w = stringWord(extraKey);
    a = mix(a, w);
    b = mix(b, ~w);
  }
  const hi = finalize(a ^ tokens.length);
  const lo = finalize(b ^ (tokens.length << 8));
  const value = (BigInt(hi) << 32n) | BigInt(lo);
  return { key: (hi & 0x1fffff) * 0x100000000 + (lo >>> 0), value };
}

/** Hashes of the full blocks in `tokens[0 .. count*blockSize)`, continuing an existing chain. */
export function extendBlockHashes(chain: BlockHash[], tokens: readonly number[], blockSize: number, extraKey: string | undefined, seed: number): BlockHash[] {
  const full = Math.floor(tokens.length / blockSize);
  for (let i = chain.length; i < full; i++) {
    chain.push(hashBlock(chain[i - 1], tokens.slice(i * blockSize, (i + 1) * blockSize), extraKey, seed));
  }
  return chain;
}
