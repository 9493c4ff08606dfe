import { SpeculativeEntries } from './speculative-entries';

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
