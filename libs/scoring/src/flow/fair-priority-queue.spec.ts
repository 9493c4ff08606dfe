import { FairPriorityQueue } from './fair-priority-queue';

describe('FairPriorityQueue', () => {
  it.each([
    ['higher priority first', [['a', 0, 't1'], ['b', 5, 't1'], ['c', 1, 't1']], ['b', 'c', 'a']],
    ['FIFO within a fairness id', [['a', 0, 't1'], ['b', 0, 't1'], ['c', 0, 't1']], ['a', 'b', 'c']],
    ['round-robin between fairness ids', [['a1', 0, 'A'], ['a2', 0, 'A'], ['a3', 0, 'A'], ['b1', 0, 'B']], ['a1', 'b1', 'a2', 'a3']],
    ['priority before fairness', [['a1', 0, 'A'], ['b1', 0, 'B'], ['hi', 9, 'A']], ['hi', 'a1', 'b1']],
  ] as const)('%s', (_name, pushes, order) => {
    const q = new FairPriorityQueue<string>();
    for (const [item, priority, fairness] of pushes) q.push(item, priority, fairness);
    const out: string[] = [];
    for (let x = q.pop(); x !== undefined; x = q.pop()) out.push(x);
    expect(out).toEqual(order);
    expect(q.size).toBe(0);
  });

  it('removes a queued item', () => {
    const q = new FairPriorityQueue<string>();
    q.push('a', 0, 'x');
    q.push('b', 0, 'x');
    expect(q.remove('a')).toBe(true);
    expect(q.remove('zzz')).toBe(false);
    expect(q.pop()).toBe('b');
    expect(q.size).toBe(0);
  });
});
