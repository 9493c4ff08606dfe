// Per-endpoint LRU sets of chunk hashes: what the scheduler believes each endpoint has cached,
// learned from what it routed there. Bounded per endpoint; the least recently used hashes go first.
import type { ChunkHash } from './chunk-hash';

export class LruChunkIndex {
  private readonly byEndpoint = new Map<string, Map<ChunkHash, true>>();

  constructor(private readonly capacityPerEndpoint: number) {}

  /**
   * Records that `endpoint` now holds these chunks (touching the ones it already had). The chain is
   * inserted tail first, so a prompt's head is its most recently used part and is evicted last: what
   * an endpoint holds stays prefix-closed, which lets matchLength binary-search.
   */
  add(endpoint: string, hashes: readonly ChunkHash[]): void {
    let set = this.byEndpoint.get(endpoint);
    if (!set) {
      set = new Map();
      this.byEndpoint.set(endpoint, set);
    }
    for (let i = hashes.length - 1; i >= 0; i--) {
      set.delete(hashes[i]);
      set.set(hashes[i], true);
    }
    while (set.size > this.capacityPerEndpoint) {
      const [oldest] = set.keys();
      set.delete(oldest);
    }
  }

  /**
   * How many leading chunks of `hashes` the endpoint holds. Chained hashes make holding chunk k imply
   * having been sent chunks 0..k, and tail-first insertion keeps the held set prefix-closed, so a
   * binary search finds the length in O(log n) lookups.
   */
  matchLength(endpoint: string, hashes: readonly ChunkHash[]): number {
    const set = this.byEndpoint.get(endpoint);
    if (!set || hashes.length === 0 || !set.has(hashes[0])) return 0;
    let lo = 1; // set holds hashes[0 .. lo-1]
    let hi = hashes.length; // the answer is at most hi
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (set.has(hashes[mid - 1])) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }

  /** Forgets an endpoint (it went away, or its cache was cleared). */
  remove(endpoint: string): void {
    this.byEndpoint.delete(endpoint);
  }

  size(endpoint?: string): number {
    if (endpoint !== undefined) return this.byEndpoint.get(endpoint)?.size ?? 0;
    let n = 0;
    for (const s of this.byEndpoint.values()) n += s.size;
    return n;
  }
}
