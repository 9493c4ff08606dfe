import { parseDuration, phases } from './duration';

describe('parseDuration', () => {
  it.each<[string, number | RegExp]>([
    ['3m', 180000],
    ['30m', 1800000],
    ['90s', 90000],
    ['1h30m', 5400000],
    ['3', /expected a duration/],
    ['', /expected a duration/],
    ['3x', /expected a duration/],
  ])('%s', (text, expected) => {
    const got = parseDuration(text);
    if (expected instanceof RegExp) expect(got).toMatch(expected);
    else expect(got).toBe(expected);
  });

  it.each([
    [180000, 18000, 27000],
    [1800000, 60000, 90000],
    [60000, 15000, 25000],
  ])('a %i ms run warms up %i ms and cools down %i ms', (d, w, c) => {
    expect(phases(d)).toEqual({ warmupMs: w, cooldownMs: c });
  });
});
