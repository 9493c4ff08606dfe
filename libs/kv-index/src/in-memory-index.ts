// The in-memory backend: key -> (pod -> tiers, last seen), bounded by a number of keys; the least
// recently stored keys are evicted first.
import type { BlockKey } from '@llmd/prefix-hash';
import type { KvBlockIndex, PrefixHit, Tier } from './kv-block-index';

const BIT: Record<Tier, number> = { gpu: 1, cpu: 2, disk: 4 };
/** Bits meaning "on this tier or a faster one", per tier. */
const UP_TO: Record<Tier, number> = { gpu: 1, cpu: 3, disk: 7 };

interface Holder {
  tiers: number;
  lastSeenMs: number;
}

export class InMemoryKvBlockIndex implements KvBlockIndex {
  private readonly blocks = new Map<BlockKey, Map<string, Holder>>();
  /** pod -> its keys, so clearing a pod does not scan the index. */
  private readonly byPod = new Map<string, Set<BlockKey>>();

  constructor(private readonly maxBlocks: number) {}

  add(keys: readonly BlockKey[], pod: string, tier: Tier, nowMs: number): void {
    let podKeys = this.byPod.get(pod);
    if (!podKeys) {
      podKeys = new Set();
      this.byPod.set(pod, podKeys);
    }
    for (const key of keys) {
      let holders = this.blocks.get(key);
      if (holders) {
        // Touch: most recently stored keys are evicted last.
        this.blocks.delete(key);
      } else {
        holders = new Map();
      }
      this.blocks.set(key, holders);
      const h = holders.get(pod);
      if (h) {
        h.tiers |= BIT[tier];
        h.lastSeenMs = nowMs;
      } else {
        holders.set(pod, { tiers: BIT[tier], lastSeenMs: nowMs });
      }
      podKeys.add(key);
    }
    this.evict();
  }

  remove(keys: readonly BlockKey[], pod: string, tier?: Tier): void {
    for (const key of keys) {
      const holders = this.blocks.get(key);
      const h = holders?.get(pod);
      if (!holders || !h) continue;
      h.tiers &= tier ? ~BIT[tier] : 0;
      if (h.tiers === 0) {
        holders.delete(pod);
        this.byPod.get(pod)?.delete(key);
        if (holders.size === 0) this.blocks.delete(key);
      }
    }
  }

  clearPod(pod: string): void {
    const keys = this.byPod.get(pod);
    if (!keys) return;
    for (const key of keys) {
      const holders = this.blocks.get(key);
      holders?.delete(pod);
      if (holders && holders.size === 0) this.blocks.delete(key);
    }
    this.byPod.delete(pod);
  }

  lookup(keys: readonly BlockKey[], pods?: readonly string[]): Map<string, PrefixHit> {
    const out = new Map<string, PrefixHit>();
    const first = keys.length > 0 ? this.blocks.get(keys[0]) : undefined;
    const candidates = pods ?? (first ? [...first.keys()] : []);
    for (const pod of candidates) out.set(pod, { gpu: 0, cpu: 0, disk: 0 });
    if (!first) return out;
    // Walk the chain once, dropping a pod from each tier's run at its first miss.
    const open: Record<Tier, Set<string>> = { gpu: new Set(candidates), cpu: new Set(candidates), disk: new Set(candidates) };
    for (let i = 0; i < keys.length; i++) {
      if (open.disk.size === 0) break;
      const holders = this.blocks.get(keys[i]);
      for (const tier of ['gpu', 'cpu', 'disk'] as const) {
        for (const pod of open[tier]) {
          const h = holders?.get(pod);
          if (h && (h.tiers & UP_TO[tier]) !== 0) (out.get(pod) as PrefixHit)[tier] = i + 1;
          else open[tier].delete(pod);
        }
      }
    }
    return out;
  }

  size(): number {
    return this.blocks.size;
  }

  private evict(): void {
    while (this.blocks.size > this.maxBlocks) {
      const [key, holders] = this.blocks.entries().next().value as [BlockKey, Map<string, Holder>];
      this.blocks.delete(key);
      for (const pod of holders.keys()) this.byPod.get(pod)?.delete(key);
    }
  }
}
