import { LruChunkIndex } from './lru-chunk-index';
import { seededKeys as hashes } from './testing/seeded-keys';

/** The plain reference: a Map in insertion order is an LRU list. */
class ReferenceLru {
  private readonly sets = new Map<string, Map<number, true>>();
  constructor(private readonly capacity: number) {}
  add(endpoint: string, hashes: readonly number[]): void {
    const set = this.sets.get(endpoint) ?? new Map<number, true>();
    this.sets.set(endpoint, set);
    for (let i = hashes.length - 1; i >= 0; i--) {
      set.delete(hashes[i]);
      set.set(hashes[i], true);
    }
    while (set.size > this.capacity) set.delete(set.keys().next().value as number);
  }
  has(endpoint: string, h: number): boolean {
    return this.sets.get(endpoint)?.has(h) ?? false;
  }
}


describe('LruChunkIndex', () => {
  it('matches the leading chunks an endpoint holds, per endpoint', () => {
    const idx = new LruChunkIndex(100);
    idx.add('a', [1, 2, 3, 4]);
    idx.add('b', [1, 2]);
    expect(idx.matchLength('a', [1, 2, 3, 9])).toBe(3);
    expect(idx.matchLength('b', [1, 2, 3, 4])).toBe(2);
    expect(idx.matchLength('c', [1, 2])).toBe(0);
    expect(idx.matchLength('a', [])).toBe(0);
    expect(idx.size()).toBe(6);
    idx.remove('a');
    expect(idx.size('a')).toBe(0);
  });

  it('keeps 53-bit hashes apart that share their low 32 bits', () => {
    const idx = new LruChunkIndex(10);
    const low = 0xdeadbeef;
    idx.add('a', [1 * 0x100000000 + low]);
    expect(idx.has('a', 1 * 0x100000000 + low)).toBe(true);
    expect(idx.has('a', 2 * 0x100000000 + low)).toBe(false);
    expect(idx.has('a', low)).toBe(false);
  });

  it('evicts the least recently used first, and keeps what an endpoint holds prefix-closed', () => {
    const idx = new LruChunkIndex(4);
    idx.add('a', [1, 2, 3]); // MRU order: 1 2 3
    idx.add('a', [7, 8]); // 7 8 1 2 ; 3 evicted
    expect([1, 2, 3, 7, 8].map((h) => idx.has('a', h))).toEqual([true, true, false, true, true]);
    expect(idx.matchLength('a', [1, 2, 3])).toBe(2);
    idx.add('a', [2]); // touch: 2 7 8 1
    idx.add('a', [9]); // 9 2 7 8 ; 1 evicted
    expect([1, 2, 7, 8, 9].map((h) => idx.has('a', h))).toEqual([false, true, true, true, true]);
    expect(idx.size('a')).toBe(4);
  });

  it.each([
    [1, 3, 50],
    [7, 64, 400],
    [1000, 2000, 3000],
    [5000, 31250, 40],
  ])('agrees with a Map-based LRU (capacity %d, %d chains, up to %d chunks each), growing and evicting', (capacity, rounds, maxLen) => {
    const idx = new LruChunkIndex(capacity);
    const ref = new ReferenceLru(capacity);
    const gen = hashes(capacity);
    const pool = Array.from({ length: capacity * 2 + 10 }, gen);
    const pick = hashes(rounds);
    const probes: number[] = [];
    for (let r = 0; r < rounds; r++) {
      const len = 1 + (pick() % maxLen);
      const start = pick() % pool.length;
      const chain = Array.from({ length: len }, (_, i) => pool[(start + i) % pool.length]);
      const ep = `e${pick() % 3}`;
      idx.add(ep, chain);
      ref.add(ep, chain);
      probes.push(chain[0], chain[len - 1]);
    }
    for (const ep of ['e0', 'e1', 'e2']) {
      for (const h of [...pool.slice(0, 500), ...probes.slice(-500)]) expect(idx.has(ep, h)).toBe(ref.has(ep, h));
      expect(idx.size(ep)).toBeLessThanOrEqual(capacity);
    }
  });

  it('refuses a capacity that is not a positive integer', () => {
    expect(() => new LruChunkIndex(0)).toThrow(/capacityPerEndpoint/);
  });
});
