import { ownedPods, ownershipChange, podPartition } from './pod-ownership.policy';

describe('podPartition', () => {
  it.each([
    ['sim-0', 1],
    ['sim-0', 64],
    ['default/vllm-7c9f-0', 64],
    ['ünïcode-pod', 7],
  ])('puts %s on one partition of %i, the same every time', (id, n) => {
    const p = podPartition(id, n);
    expect(p).toBeGreaterThanOrEqual(0);
    expect(p).toBeLessThan(n);
    expect(podPartition(id, n)).toBe(p);
  });

  it('spreads many pods over the partitions', () => {
    const counts = new Array(8).fill(0);
    for (let i = 0; i < 800; i++) counts[podPartition(`pod-${i}`, 8)]++;
    for (const c of counts) expect(c).toBeGreaterThan(50);
  });

  it.each([0, -1, 1.5, Number.NaN])('refuses a partition count of %p', (n) => {
    expect(() => podPartition('sim-0', n)).toThrow(RangeError);
  });
});

describe('ownedPods', () => {
  const pods = Array.from({ length: 40 }, (_, i) => `sim-${i}`);

  it('gives each pod to exactly one of the members that split the partitions', () => {
    const members = [new Set([0, 3, 6]), new Set([1, 4, 7]), new Set([2, 5])];
    const owned = members.map((m) => ownedPods(pods, m, 8));
    expect(owned.flat().sort()).toEqual([...pods].sort());
    expect(new Set(owned.flat()).size).toBe(pods.length);
  });

  it('moves a dead member\'s pods, and only those, to the survivor that gets its partitions', () => {
    const a = new Set([0, 2, 4, 6]);
    const b = new Set([1, 3, 5, 7]);
    const beforeA = ownedPods(pods, a, 8);
    const afterA = ownedPods(pods, new Set([...a, ...b]), 8);
    expect(afterA).toEqual(pods);
    expect(ownershipChange(beforeA, afterA)).toEqual({ stop: [], start: ownedPods(pods, b, 8) });
  });

  it.each([
    ['no partitions owned', new Set<number>(), 8, []],
    ['no partitions known yet', new Set([0]), 0, []],
  ])('owns nothing with %s', (_what, owned, n, want) => {
    expect(ownedPods(pods, owned, n)).toEqual(want);
  });
});

describe('ownershipChange', () => {
  it.each([
    [['a', 'b'], ['b', 'c'], { stop: ['a'], start: ['c'] }],
    [[], ['a'], { stop: [], start: ['a'] }],
    [['a'], [], { stop: ['a'], start: [] }],
    [['a'], ['a'], { stop: [], start: [] }],
  ])('from %j to %j', (before, after, want) => {
    expect(ownershipChange(before, after)).toEqual(want);
  });
});
