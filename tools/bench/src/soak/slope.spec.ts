import { LEAK_BOUNDS, memoryVerdict, slopePerMinute, type Sample } from './slope';

const MiB = 1024 * 1024;
const line = (perMin: number, minutes: number, from = 0, noise = 0): Sample[] =>
  Array.from({ length: minutes * 6 + 1 }, (_, i) => ({ atMs: from + i * 10000, value: 100 * MiB + (perMin * i) / 6 + (i % 2 ? noise : -noise) }));

describe('slopePerMinute', () => {
  it.each([
    [0, 0],
    [2 * MiB, 2 * MiB],
    [-MiB, -MiB],
  ])('fits %d bytes/min as %d', (perMin, expected) => {
    expect(slopePerMinute(line(perMin, 5, 0, 3 * MiB))).toBeCloseTo(expected, -3);
  });

  it('needs three samples and a time span', () => {
    expect(slopePerMinute([{ atMs: 0, value: 1 }, { atMs: 1, value: 2 }])).toBeNull();
    expect(slopePerMinute([0, 0, 0].map(() => ({ atMs: 5, value: 1 })))).toBeNull();
  });
});

describe('memoryVerdict', () => {
  it('flags a heap growing faster than the bound over a long enough fit', () => {
    expect(memoryVerdict([{ heap: line(2 * MiB, 20), rss: line(0, 20) }], 0).leak).toBe(true);
    expect(memoryVerdict([{ heap: line(0.2 * MiB, 20), rss: line(MiB, 20) }], 0).leak).toBe(false);
  });

  it('does not judge a fit shorter than the bound\'s minimum', () => {
    const v = memoryVerdict([{ heap: line(5 * MiB, 3), rss: line(5 * MiB, 3) }], 0);
    expect(v.leak).toBeNull();
    expect(v.heapSlopeMiBPerMin).toBeCloseTo(5, 2);
    expect(v.spanMin).toBe(3);
  });

  it('fits the longest-lived incarnation, after warm-up', () => {
    const warm = line(50 * MiB, 2);
    const steady = line(0, 15, 130000);
    const v = memoryVerdict([{ heap: line(9 * MiB, 1), rss: [] }, { heap: [...warm, ...steady], rss: steady }], 125000, LEAK_BOUNDS);
    expect(v.heapSlopeMiBPerMin).toBeCloseTo(0, 3);
    expect(v.leak).toBe(false);
  });
});
