import { LruQueue } from './lru-queue';

describe('LruQueue', () => {
  it('shifts keys least recently touched first', () => {
    const q = new LruQueue<string>();
    for (const k of ['a', 'b', 'c']) q.touch(k);
    q.touch('a');
    expect(q.peek()).toBe('b');
    expect([q.shift(), q.shift(), q.shift(), q.shift()]).toEqual(['b', 'c', 'a', undefined]);
    expect(q.size).toBe(0);
  });

  it('skips deleted keys and lists the live ones in order', () => {
    const q = new LruQueue<number>();
    for (let i = 0; i < 5; i++) q.touch(i);
    q.delete(0);
    q.delete(3);
    q.touch(1);
    expect([...q]).toEqual([2, 4, 1]);
    expect(q.has(3)).toBe(false);
    expect(q.shift()).toBe(2);
  });

  it('matches a Map-based LRU through many touches, deletes and shifts (compaction included)', () => {
    const q = new LruQueue<number>();
    const ref = new Map<number, true>();
    let seed = 7;
    const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    for (let i = 0; i < 20000; i++) {
      const k = Math.floor(rnd() * 300);
      const op = rnd();
      if (op < 0.6) {
        q.touch(k);
        ref.delete(k);
        ref.set(k, true);
      } else if (op < 0.8) {
        expect(q.delete(k)).toBe(ref.delete(k));
      } else {
        const oldest = ref.keys().next().value;
        if (oldest !== undefined) ref.delete(oldest);
        expect(q.shift()).toBe(oldest);
      }
      expect(q.size).toBe(ref.size);
    }
    expect([...q]).toEqual([...ref.keys()]);
  });

  it('clears', () => {
    const q = new LruQueue<string>();
    q.touch('x');
    q.clear();
    expect(q.size).toBe(0);
    expect(q.shift()).toBeUndefined();
  });
});
