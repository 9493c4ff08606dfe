// The in-memory backend: key -> the pods holding it (with their tiers) and when it was last stored,
// bounded by a number of keys; the least recently stored keys are evicted first. Kept compact (about
// 120 bytes a block): pods are interned as small integers and a holder is one integer,
// pod * 8 + tier bits, so the common single-holder block needs no per-holder object.
import type { BlockKey } from '@llmd/prefix-hash';
import type { KvBlockIndex, PrefixHit, Tier } from './kv-block-index';

const BIT: Record<Tier, number> = { gpu: 1, cpu: 2, disk: 4 };
/** The answer for a pod that holds none of the prompt (shared; callers do not mutate hits). */
const NO_HIT: PrefixHit = Object.freeze({ gpu: 0, cpu: 0, disk: 0 });
/** Bits meaning "on this tier or a faster one", per tier. */
const UP_TO: Record<Tier, number> = { gpu: 1, cpu: 3, disk: 7 };

interface Entry {
  /** One holder (pod * 8 + tier bits), or several. */
  h: number | number[];
  /** Last stored, in seconds since the epoch. */
  t: number;
}

function tiersOf(entry: Entry, pod: number): number {
  if (typeof entry.h === 'number') return entry.h >> 3 === pod ? entry.h & 7 : 0;
  for (const x of entry.h) if (x >> 3 === pod) return x & 7;
  return 0;
}

/** The entry's holders with `pod`'s tier bits set to `bits` (0 removes the pod); undefined when none are left. */
function withTiers(entry: Entry, pod: number, bits: number): number | number[] | undefined {
  const list = typeof entry.h === 'number' ? [entry.h] : entry.h;
  const others = list.filter((x) => x >> 3 !== pod);
  if (bits !== 0) others.push(pod * 8 + bits);
  return others.length === 0 ? undefined : others.length === 1 ? others[0] : others;
}

/** A JS Map holds at most 2^24 entries: a large index spreads its keys over shards. */
const SHARD_ABOVE = 4_000_000;
const SHARDS = 16;

export class InMemoryKvBlockIndex implements KvBlockIndex {
  /** key -> entry, in `SHARDS` maps by key when large; each map's insertion order is its LRU order. */
  private readonly shards: Map<BlockKey, Entry>[];
  private readonly perShard: number;
  /** Evicted at once when a shard is over its share: one pass from the front of its Map. */
  private readonly evictBatch: number;
  private readonly podIds = new Map<string, number>();
  private readonly podNames: string[] = [];
  /** pod -> its keys, so clearing a pod does not scan the index. */
  private readonly byPod: Set<BlockKey>[] = [];

  constructor(maxBlocks: number, options: { shards?: 1 | 2 | 4 | 8 | 16 } = {}) {
    const n = options.shards ?? (maxBlocks > SHARD_ABOVE ? SHARDS : 1);
    this.shards = Array.from({ length: n }, () => new Map());
    this.perShard = Math.ceil(maxBlocks / n);
    // Taking a Map's oldest key walks over the slots deleted before it; evicting in batches from one
    // iterator keeps that walk short per key. Small indexes evict exactly one key at a time.
    this.evictBatch = this.perShard >= 65536 ? Math.floor(this.perShard / 64) : 1;
  }

  private mapOf(key: BlockKey): Map<BlockKey, Entry> {
    return this.shards.length === 1 ? this.shards[0] : this.shards[key & (this.shards.length - 1)];
  }

  private entry(key: BlockKey): Entry | undefined {
    return this.mapOf(key).get(key);
  }

  private pod(name: string): number {
    let id = this.podIds.get(name);
    if (id === undefined) {
      id = this.podNames.length;
      this.podIds.set(name, id);
      this.podNames.push(name);
      this.byPod.push(new Set());
    }
    return id;
  }

  add(keys: readonly BlockKey[], podName: string, tier: Tier, nowMs: number): void {
    const pod = this.pod(podName);
    const podKeys = this.byPod[pod];
    const t = Math.floor(nowMs / 1000);
    for (const key of keys) {
      const blocks = this.mapOf(key);
      const entry = blocks.get(key);
      if (entry) {
        // Touch: most recently stored keys are evicted last.
        blocks.delete(key);
        entry.h = withTiers(entry, pod, tiersOf(entry, pod) | BIT[tier]) as number | number[];
        entry.t = t;
        blocks.set(key, entry);
      } else {
        blocks.set(key, { h: pod * 8 + BIT[tier], t });
        if (blocks.size > this.perShard) this.evict(blocks);
      }
      podKeys.add(key);
    }
  }

  remove(keys: readonly BlockKey[], podName: string, tier?: Tier): void {
    const pod = this.podIds.get(podName);
    if (pod === undefined) return;
    for (const key of keys) {
      const entry = this.entry(key);
      if (!entry) continue;
      const bits = tiersOf(entry, pod);
      if (bits === 0) continue;
      const left = tier ? bits & ~BIT[tier] : 0;
      const h = withTiers(entry, pod, left);
      if (left === 0) this.byPod[pod].delete(key);
      if (h === undefined) this.mapOf(key).delete(key);
      else entry.h = h;
    }
  }

  clearPod(podName: string): void {
    const pod = this.podIds.get(podName);
    if (pod === undefined) return;
    for (const key of this.byPod[pod]) {
      const entry = this.entry(key);
      if (!entry) continue;
      const h = withTiers(entry, pod, 0);
      if (h === undefined) this.mapOf(key).delete(key);
      else entry.h = h;
    }
    this.byPod[pod].clear();
  }

  lookup(keys: readonly BlockKey[], pods?: readonly string[]): Map<string, PrefixHit> {
    const out = new Map<string, PrefixHit>();
    const first = keys.length > 0 ? this.entry(keys[0]) : undefined;
    let candidates: number[];
    if (pods) {
      for (const p of pods) out.set(p, NO_HIT);
      // Only the first block's holders can hold a prefix: the others keep the shared zero hit.
      candidates = [];
      if (first) {
        for (const holder of typeof first.h === 'number' ? [first.h] : first.h) {
          const id = holder >> 3;
          const name = this.podNames[id];
          if (out.has(name) && !candidates.includes(id)) candidates.push(id);
        }
      }
      for (const id of candidates) out.set(this.podNames[id], { gpu: 0, cpu: 0, disk: 0 });
    } else {
      candidates = first ? (typeof first.h === 'number' ? [first.h >> 3] : first.h.map((x) => x >> 3)) : [];
      for (const id of candidates) out.set(this.podNames[id], { gpu: 0, cpu: 0, disk: 0 });
    }
    if (!first || candidates.length === 0) return out;
    // Walk the chain once, dropping a pod from each tier's run at its first miss.
    const open: Record<Tier, Set<number>> = { gpu: new Set(candidates), cpu: new Set(candidates), disk: new Set(candidates) };
    for (let i = 0; i < keys.length && open.disk.size > 0; i++) {
      const entry = this.entry(keys[i]);
      for (const tier of ['gpu', 'cpu', 'disk'] as const) {
        for (const pod of open[tier]) {
          const bits = entry ? tiersOf(entry, pod) : 0;
          if ((bits & UP_TO[tier]) !== 0) (out.get(this.podNames[pod]) as { -readonly [T in Tier]: number })[tier] = i + 1;
          else open[tier].delete(pod);
        }
      }
    }
    return out;
  }

  size(): number {
    let n = 0;
    for (const m of this.shards) n += m.size;
    return n;
  }

  /** Every key `pod` holds (for audits and debugging). */
  podKeys(podName: string): BlockKey[] {
    const pod = this.podIds.get(podName);
    return pod === undefined ? [] : [...this.byPod[pod]];
  }

  /** Drops the least recently stored keys of one shard (a batch of them when the index is large). */
  private evict(blocks: Map<BlockKey, Entry>): void {
    let n = Math.min(blocks.size - this.perShard + this.evictBatch - 1, blocks.size);
    for (const [key, entry] of blocks) {
      if (n-- <= 0) break;
      blocks.delete(key);
      const holders = typeof entry.h === 'number' ? [entry.h] : entry.h;
      for (const x of holders) this.byPod[x >> 3]?.delete(key);
    }
  }
}
