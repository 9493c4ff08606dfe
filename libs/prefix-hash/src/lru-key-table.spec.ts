import { LruKeyTable } from './lru-key-table';
import { seededKeys as keys } from './testing/seeded-keys';

describe('LruKeyTable', () => {
  it('finds, touches, deletes and evicts the least recently used key', () => {
    const t = new LruKeyTable(3, 1);
    const a = t.insert(10);
    t.insert(20);
    t.insert(30); // MRU: 30 20 10
    expect(t.keyAt(t.find(20))).toBe(20);
    t.touchSlot(a); // 10 30 20
    t.insert(40); // 40 10 30; 20 evicted
    expect([10, 20, 30, 40].map((k) => t.find(k) >= 0)).toEqual([true, false, true, true]);
    expect(t.keyAt(t.oldest)).toBe(30);
    expect(t.delete(10)).toBeGreaterThanOrEqual(0);
    expect(t.delete(10)).toBe(-1);
    expect(t.size).toBe(2);
    t.insert(50); // reuses the freed slot, no eviction
    expect([30, 40, 50].every((k) => t.find(k) >= 0)).toBe(true);
    const order: number[] = [];
    t.forEachSlot((s) => order.push(t.keyAt(s)));
    expect(order).toEqual([50, 40, 30]);
    t.clear();
    expect(t.size).toBe(0);
    expect(t.find(30)).toBe(-1);
  });

  it('keeps keys apart that share their low 32 bits', () => {
    const t = new LruKeyTable(10);
    t.insert(1 * 0x100000000 + 7);
    expect(t.find(2 * 0x100000000 + 7)).toBe(-1);
    expect(t.find(7)).toBe(-1);
    expect(t.find(1 * 0x100000000 + 7)).toBeGreaterThanOrEqual(0);
  });

  it.each([
    [1, 500],
    [16, 5000],
    [1000, 50000],
  ])('agrees with a Map-based LRU under random inserts, touches and deletes (capacity %d, %d operations)', (capacity, ops) => {
    const t = new LruKeyTable(capacity, 2);
    const ref = new Map<number, true>();
    const gen = keys(capacity);
    const pool = Array.from({ length: capacity * 2 + 5 }, gen);
    const pick = keys(ops);
    for (let i = 0; i < ops; i++) {
      const k = pool[pick() % pool.length];
      const op = pick() % 3;
      if (op === 2) {
        expect(t.delete(k) >= 0).toBe(ref.delete(k));
      } else {
        t.touch(k);
        ref.delete(k);
        ref.set(k, true);
        if (ref.size > capacity) ref.delete(ref.keys().next().value as number);
      }
      expect(t.size).toBe(ref.size);
    }
    for (const k of pool) expect(t.find(k) >= 0).toBe(ref.has(k));
    const order: number[] = [];
    t.forEachSlot((s) => order.push(t.keyAt(s)));
    expect(order).toEqual([...ref.keys()].reverse());
    expect(t.slotCount).toBeLessThanOrEqual(capacity);
  });

  it('refuses a capacity that is not a positive integer', () => {
    expect(() => new LruKeyTable(0)).toThrow(/capacity/);
  });
});
