// Chained hashes of full KV blocks, as vLLM's prefix cache keys them: a block's hash covers its parent's
// hash, its token ids and its extra keys (the LoRA adapter), so equal hashes mean equal prefixes.
// (The engine's own 64-bit hashes, as vLLM emits them; llmd's index keys blocks independently.)
import { fmix, mix as mixImported, stringWord } from '@llmd/prefix-hash';

// Bound once: the compiled module reads an imported name through a getter on every access, which
// shows up in a loop that runs per token.
const mix = mixImported;
const finalize = fmix;

/**
 * A block hash: 64 bits as two int32 halves (small integers in V8: no BigInt per block, which a run of
 * hundreds of pods holds by the tens of millions), and `key`, 53 of its bits as a plain number for
 * maps. `value` is the 64-bit integer vLLM's KV events carry, made when an event is.
 */
export class BlockHash {
  readonly key: number;

  constructor(
    readonly hi: number,
    readonly lo: number,
  ) {
    this.key = (hi & 0x1fffff) * 0x100000000 + (lo >>> 0);
  }

  get value(): bigint {
    return (BigInt(this.hi >>> 0) << 32n) | BigInt(this.lo >>> 0);
  }
}

/** Hash of one block, tokens[from, to), given its parent's hash (undefined for the first block). */
export function hashBlock(parent: BlockHash | undefined, tokens: ArrayLike<number>, extraKey: string | undefined, seed: number, from = 0, to = tokens.length): BlockHash {
  let a = parent ? parent.hi : seed | 0;
  let b = parent ? parent.lo : ~seed;
  for (let i = from; i < to; i++) {
    a = mix(a, tokens[i]);
    b = mix(b, tokens[i] ^ 0x9e3779b9);
  }
  if (extraKey) {
    const w = stringWord(extraKey);
    a = mix(a, w);
    b = mix(b, ~w);
  }
  const n = to - from;
  return new BlockHash(finalize(a ^ n) | 0, finalize(b ^ (n << 8)) | 0);
}

/** Hashes of the full blocks in `tokens[0 .. count*blockSize)`, continuing an existing chain. */
export function extendBlockHashes(chain: BlockHash[], tokens: readonly number[], blockSize: number, extraKey: string | undefined, seed: number): BlockHash[] {
  const full = Math.floor(tokens.length / blockSize);
  for (let i = chain.length; i < full; i++) {
    chain.push(hashBlock(chain[i - 1], tokens.slice(i * blockSize, (i + 1) * blockSize), extraKey, seed));
  }
  return chain;
}
