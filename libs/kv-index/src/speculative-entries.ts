// Speculative entries: blocks believed to be on a pod because a prompt was just routed there, kept
// for a short time until the pod's own KV events confirm them (or the time runs out).
import { grown, LruKeyTable, type BlockKey } from '@llmd/prefix-hash';
import type { KvBlockIndex, PrefixHit } from './kv-block-index';

/** One pod's entries: keys in an LruKeyTable, each one's expiry by slot. */
interface PodEntries {
  keys: LruKeyTable;
  expires: Float64Array;
}

export class SpeculativeEntries {
  private readonly byPod = new Map<string, PodEntries>();
  /**
   * First key of each recorded prompt -> the pods it was recorded on. Keys chain from a prompt's start,
   * so only these pods can hold a run for a prompt beginning with that key (it may be stale: a pod is
   * dropped from it when its entry goes).
   */
  private readonly heads = new Map<BlockKey, Set<string>>();
  private entries = 0;

  constructor(private readonly maxEntries = 1_000_000) {}

  record(pod: string, keys: readonly BlockKey[], expiresAtMs: number): void {
    let m = this.byPod.get(pod);
    if (!m) {
      const table = new LruKeyTable(this.maxEntries, 4096);
      m = { keys: table, expires: new Float64Array(table.slotCount) };
      this.byPod.set(pod, m);
    }
    for (let i = 0; i < keys.length; i++) {
      let slot = m.keys.find(keys[i]);
      if (slot >= 0) m.keys.touchSlot(slot);
      else {
        const before = m.keys.size;
        slot = m.keys.insert(keys[i]);
        if (slot >= m.expires.length) m.expires = grown(m.expires, new Float64Array(m.keys.slotCount));
        // A pod's table at the bound itself drops its oldest entry to make room.
        if (m.keys.size > before) this.entries++;
      }
      m.expires[slot] = expiresAtMs;
    }
    if (keys.length > 0) {
      let pods = this.heads.get(keys[0]);
      if (!pods) this.heads.set(keys[0], (pods = new Set()));
      pods.add(pod);
    }
    // Over the bound: the other pods' entries go first (a safety valve: sweeps keep the set small),
    // then this pod's least recently recorded ones, never the prompt just recorded before them.
    if (this.entries > this.maxEntries) {
      for (const pm of [...[...this.byPod.values()].filter((other) => other !== m), m]) {
        while (this.entries > this.maxEntries && pm.keys.size > 0) {
          pm.keys.delete(pm.keys.keyAt(pm.keys.oldest));
          this.entries--;
        }
      }
    }
  }

  /** Leading keys `pod` holds speculatively at `nowMs`. */
  run(pod: string, keys: readonly BlockKey[], nowMs: number): number {
    const m = this.byPod.get(pod);
    if (!m) return 0;
    let n = 0;
    while (n < keys.length) {
      const slot = m.keys.find(keys[n]);
      if (slot < 0 || m.expires[slot] <= nowMs) break;
      n++;
    }
    return n;
  }

  /** Pods that may hold a run of `keys` (a superset: check each with `run`). */
  candidates(keys: readonly BlockKey[]): Iterable<string> {
    return (keys.length > 0 ? this.heads.get(keys[0]) : undefined) ?? [];
  }

  /** Drops expired entries. */
  sweep(nowMs: number): void {
    const expired: number[] = [];
    for (const [pod, m] of this.byPod) {
      expired.length = 0;
      m.keys.forEachSlot((slot) => {
        if (m.expires[slot] <= nowMs) expired.push(m.keys.keyAt(slot));
      });
      for (const k of expired) m.keys.delete(k);
      this.entries -= expired.length;
      if (m.keys.size === 0) this.byPod.delete(pod);
    }
    for (const [key, pods] of this.heads) {
      for (const pod of pods) {
        const m = this.byPod.get(pod);
        if (!m || m.keys.find(key) < 0) pods.delete(pod);
      }
      if (pods.size === 0) this.heads.delete(key);
    }
  }

  pods(): string[] {
    return [...this.byPod.keys()];
  }

  size(): number {
    return this.entries;
  }
}

/**
 * The index's hits for a prompt with the speculative runs laid over them: a just-routed prefix counts
 * as on the GPU (where its blocks are being computed), and so on every slower tier. Pods as in
 * `KvBlockIndex.lookup` (undefined: every pod that holds the first block, or was just sent it).
 */
export function lookupWithSpeculation(index: KvBlockIndex, speculative: SpeculativeEntries, keys: readonly BlockKey[], pods: readonly string[] | undefined, nowMs: number): Map<string, PrefixHit> {
  const hits = index.lookup(keys, pods);
  // Only pods a prompt with this first block was routed to can hold a speculative run of it.
  for (const pod of speculative.candidates(keys)) {
    if (pods && !hits.has(pod)) continue; // not asked about
    const run = speculative.run(pod, keys, nowMs);
    if (run === 0) continue;
    const h = hits.get(pod);
    hits.set(pod, { gpu: Math.max(h?.gpu ?? 0, run), cpu: Math.max(h?.cpu ?? 0, run), disk: Math.max(h?.disk ?? 0, run) });
  }
  return hits;
}
