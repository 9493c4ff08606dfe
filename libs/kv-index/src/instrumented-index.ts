// A decorator that reports what the index does (the app turns it into metrics), around any backend.
import type { BlockKey } from '@llmd/prefix-hash';
import type { KvBlockIndex, PrefixHit, Tier } from './kv-block-index';

export interface IndexObserver {
  added(blocks: number): void;
  removed(blocks: number): void;
  cleared(): void;
  lookedUp(ms: number, blocks: number, hitPods: number): void;
}

export class InstrumentedKvBlockIndex implements KvBlockIndex {
  constructor(
    private readonly inner: KvBlockIndex,
    private readonly observer: IndexObserver,
  ) {}

  add(keys: readonly BlockKey[], pod: string, tier: Tier, nowMs: number): void {
    this.inner.add(keys, pod, tier, nowMs);
    this.observer.added(keys.length);
  }

  remove(keys: readonly BlockKey[], pod: string, tier?: Tier): void {
    this.inner.remove(keys, pod, tier);
    this.observer.removed(keys.length);
  }

  clearPod(pod: string): void {
    this.inner.clearPod(pod);
    this.observer.cleared();
  }

  lookup(keys: readonly BlockKey[], pods?: readonly string[]): Map<string, PrefixHit> {
    const start = performance.now();
    const out = this.inner.lookup(keys, pods);
    let hits = 0;
    for (const h of out.values()) if (h.disk > 0) hits++;
    this.observer.lookedUp(performance.now() - start, keys.length, hits);
    return out;
  }

  tierBits(key: BlockKey, pod: string): number {
    return this.inner.tierBits(key, pod);
  }

  size(): number {
    return this.inner.size();
  }
}
