// The KV-block index contract: which pod holds which block, on which tier. Backends implement it
// and pass the shared conformance suite (./testing).
import type { BlockKey } from '@llmd/prefix-hash';

export type Tier = 'gpu' | 'cpu' | 'disk';

export const TIERS: readonly Tier[] = ['gpu', 'cpu', 'disk'];

/** A tier as one bit of a set of tiers. */
export const TIER_BITS: Readonly<Record<Tier, number>> = { gpu: 1, cpu: 2, disk: 4 };

/** Per pod: the longest run of leading blocks held on each tier or a faster one. */
export interface PrefixHit {
  readonly gpu: number;
  readonly cpu: number;
  readonly disk: number;
}

export interface KvBlockIndex {
  /** Records that `pod` holds these blocks on `tier` (idempotent). */
  add(keys: readonly BlockKey[], pod: string, tier: Tier, nowMs: number): void;
  /** Forgets these blocks on `pod` (on `tier`, or on every tier). Unknown blocks are ignored. */
  remove(keys: readonly BlockKey[], pod: string, tier?: Tier): void;
  /** Forgets everything `pod` holds (AllBlocksCleared, or the pod went away). */
  clearPod(pod: string): void;
  /** For each pod (of `pods`, or every pod that holds the first block), its cached prefix of `keys`. */
  lookup(keys: readonly BlockKey[], pods?: readonly string[]): Map<string, PrefixHit>;
  /** The tiers `pod` holds the block on, as bits (TIER_BITS; 0: it does not hold it). */
  tierBits(key: BlockKey, pod: string): number;
  /** Blocks indexed (distinct keys). */
  size(): number;
}
