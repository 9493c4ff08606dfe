import { InMemoryKvBlockIndex } from './in-memory-index';
import { lookupWithSpeculation, SpeculativeEntries } from './speculative-entries';

describe('SpeculativeEntries', () => {
  it.each([
    ['before expiry', 50, 3],
    ['after expiry', 150, 0],
  ])('a recorded prefix counts %s', (_name, now, run) => {
    const s = new SpeculativeEntries();
    s.record('p', [1, 2, 3], 100);
    expect(s.run('p', [1, 2, 3, 4], now)).toBe(run);
    expect(s.run('other', [1], now)).toBe(0);
  });

  it('sweeps expired entries and stays within its bound', () => {
    const s = new SpeculativeEntries(4);
    s.record('p', [1, 2, 3], 100);
    s.record('p', [4, 5], 300); // over the bound of 4: the oldest entry (1) goes
    expect(s.size()).toBe(4);
    expect(s.run('p', [1, 2], 50)).toBe(0);
    s.sweep(200); // 2 and 3 expire
    expect(s.size()).toBe(2);
    expect(s.run('p', [4, 5], 250)).toBe(2);
  });

  it("keeps its bound across pods: the other pods' entries go first, then the recording pod's oldest", () => {
    const s = new SpeculativeEntries(5);
    s.record('a', [1, 2, 3], 100);
    s.record('b', [4, 5, 6, 7, 8, 9], 100); // 9 entries: a's 3, then b's oldest (4)
    expect(s.size()).toBe(5);
    expect(s.run('a', [1], 50)).toBe(0);
    expect(s.run('b', [5, 6, 7, 8, 9], 50)).toBe(5);
    expect(s.run('b', [4], 50)).toBe(0);
    // The first pod in the set recording over the bound: b's entries go, not the prompt a just sent.
    s.record('a', [20, 21, 22], 100);
    expect(s.size()).toBe(5);
    expect(s.run('a', [20, 21, 22], 50)).toBe(3);
    expect(s.run('b', [8, 9], 50)).toBe(2); // b's oldest (5, 6, 7) made room
  });

  it('names the pods that may hold a prompt by its first key, and forgets them once their entries expire', () => {
    const s = new SpeculativeEntries();
    s.record('a', [1, 2, 3], 100);
    s.record('b', [1, 2], 300);
    s.record('c', [7, 8], 300);
    expect([...s.candidates([1, 2, 9])].sort()).toEqual(['a', 'b']);
    expect([...s.candidates([2, 3])]).toEqual([]);
    expect([...s.candidates([])]).toEqual([]);
    s.sweep(200);
    expect([...s.candidates([1])]).toEqual(['b']);
    expect([...s.candidates([7])]).toEqual(['c']);
  });
});

describe('lookupWithSpeculation', () => {
  it('lays a just-routed prefix over the index as on the GPU, for the pods asked about', () => {
    const index = new InMemoryKvBlockIndex(100);
    index.add([1, 2], 'a', 'cpu', 0);
    const s = new SpeculativeEntries();
    s.record('a', [1, 2, 3], 100);
    s.record('b', [1], 100);
    s.record('z', [1, 2, 3, 4], 100);
    const hits = lookupWithSpeculation(index, s, [1, 2, 3, 4], ['a', 'b', 'c'], 50);
    expect(Object.fromEntries(hits)).toEqual({ a: { gpu: 3, cpu: 3, disk: 3 }, b: { gpu: 1, cpu: 1, disk: 1 }, c: { gpu: 0, cpu: 0, disk: 0 } });
    // Without a pod list: every pod that holds the first block or was just sent it.
    expect([...lookupWithSpeculation(index, s, [1, 2, 3, 4], undefined, 50).keys()].sort()).toEqual(['a', 'b', 'z']);
    // Expired runs no longer count.
    expect(lookupWithSpeculation(index, s, [1, 2], ['a'], 150).get('a')).toEqual({ gpu: 0, cpu: 2, disk: 2 });
  });
});
