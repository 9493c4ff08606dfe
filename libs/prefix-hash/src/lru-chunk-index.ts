// Per-endpoint LRU sets of chunk hashes: what the scheduler believes each endpoint has cached,
// learned from what it routed there. Bounded per endpoint; the least recently used hashes go first.
import type { ChunkHash } from './chunk-hash';

export class LruChunkIndex {
  private readonly byEndpoint = new Map<string, Map<ChunkHash, true>>();

  constructor(private readonly capacityPerEndpoint: number) {}

  /** Records that `endpoint` now holds these chunks (touching the ones it already had). */
  add(endpoint: string, hashes: readonly ChunkHash[]): void {
    let set = this.byEndpoint.get(endpoint);
    if (!set) {
      set = new Map();
      this.byEndpoint.set(endpoint, set);
    }
    for (const h of hashes) {
      set.delete(h);
      set.set(h, true);
    }
    while (set.size > this.capacityPerEndpoint) {
      const [oldest] = set.keys();
      set.delete(oldest);
    }
  }

  /** How many leading chunks of `hashes` the endpoint holds (a prefix match: the first miss ends it). */
  matchLength(endpoint: string, hashes: readonly ChunkHash[]): number {
    const set = this.byEndpoint.get(endpoint);
    if (!set) return 0;
    let n = 0;
    while (n < hashes.length && set.has(hashes[n])) n++;
    return n;
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
