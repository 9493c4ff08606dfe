// Per-endpoint LRU sets of chunk hashes: what the scheduler believes each endpoint has cached,
// learned from what it routed there. Bounded per endpoint; the least recently used hashes go first.
//
// Every Pick records a few hundred hashes, so this sits on the hot path. A JS Map keyed by 53-bit
// numbers boxes every key on the heap: each Pick then leaves hundreds of live objects for the young
// generation's collector to copy, and its pauses (1 to 3 ms each) land in Pick's tail latency. Here
// each endpoint keeps its hashes in an LruKeyTable (typed arrays): recording a Pick allocates nothing.
import type { ChunkHash } from './chunk-hash';
import { LruKeyTable } from './lru-key-table';

/** Slots an endpoint starts with; its arrays double up to the capacity as it fills. */
const INITIAL_SLOTS = 1024;

export class LruChunkIndex {
  private readonly byEndpoint = new Map<string, LruKeyTable>();

  constructor(private readonly capacityPerEndpoint: number) {
    if (!Number.isInteger(capacityPerEndpoint) || capacityPerEndpoint < 1) throw new RangeError(`capacityPerEndpoint must be a positive integer, got ${capacityPerEndpoint}`);
  }

  /**
   * Records that `endpoint` now holds these chunks (touching the ones it already had). The chain is
   * inserted tail first, so a prompt's head is its most recently used part and is evicted last: what
   * an endpoint holds stays prefix-closed, which lets matchLength binary-search.
   */
  add(endpoint: string, hashes: readonly ChunkHash[]): void {
    let set = this.byEndpoint.get(endpoint);
    if (!set) {
      set = new LruKeyTable(this.capacityPerEndpoint, INITIAL_SLOTS);
      this.byEndpoint.set(endpoint, set);
    }
    for (let i = hashes.length - 1; i >= 0; i--) set.touch(hashes[i]);
  }

  /**
   * How many leading chunks of `hashes` the endpoint holds. Chained hashes make holding chunk k imply
   * having been sent chunks 0..k, and tail-first insertion keeps the held set prefix-closed, so a
   * binary search finds the length in O(log n) lookups.
   */
  matchLength(endpoint: string, hashes: readonly ChunkHash[]): number {
    const set = this.byEndpoint.get(endpoint);
    if (!set || hashes.length === 0 || set.find(hashes[0]) < 0) return 0;
    let lo = 1; // set holds hashes[0 .. lo-1]
    let hi = hashes.length; // the answer is at most hi
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (set.find(hashes[mid - 1]) >= 0) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }

  /** Whether the endpoint holds this chunk. */
  has(endpoint: string, hash: ChunkHash): boolean {
    const set = this.byEndpoint.get(endpoint);
    return set !== undefined && set.find(hash) >= 0;
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
