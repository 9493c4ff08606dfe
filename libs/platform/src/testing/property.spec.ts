import { forAll, Gen } from './property';

describe('forAll', () => {
  it('generates the same inputs from the same seed', () => {
    const draw = (seed: number) => Array.from({ length: 20 }, (_, i) => new Gen(seed + i).value());
    expect(JSON.stringify(draw(7), (_k, v) => (typeof v === 'bigint' ? String(v) : v))).toBe(JSON.stringify(draw(7), (_k, v) => (typeof v === 'bigint' ? String(v) : v)));
  });

  it('names the seed that replays a failure alone', () => {
    expect(() => forAll((g) => g.int(0, 9), (n) => expect(n).toBeLessThan(9), { seed: 100, runs: 200 })).toThrow(/replay: \{ seed: \d+, runs: 1 \}/);
  });

  it('keeps sizes mostly small but reaches the maximum', () => {
    const sizes = Array.from({ length: 500 }, (_, i) => new Gen(i).size(1000));
    expect(sizes.filter((s) => s <= 8).length).toBeGreaterThan(350);
    expect(Math.max(...sizes)).toBeGreaterThan(500);
  });
});
