import { fitLine, TEXT_TOKENIZE_COST, tokenizeMs } from './tokenize-cost';

describe('tokenizeMs', () => {
  it.each([
    [0, { fixedMs: 1, perTokenMs: 0.002 }, 0],
    [1000, { fixedMs: 1, perTokenMs: 0.002 }, 3],
    [3200, TEXT_TOKENIZE_COST, TEXT_TOKENIZE_COST.fixedMs + 3200 * TEXT_TOKENIZE_COST.perTokenMs],
  ])('%d tokens at %j cost %f ms', (tokens, cost, ms) => {
    expect(tokenizeMs(tokens, cost)).toBeCloseTo(ms, 12);
  });

  it('the measured default is a few ms for a 3,200-token chat prompt, well inside the 50 ms precise deadline', () => {
    expect(tokenizeMs(3200)).toBeGreaterThan(1);
    expect(tokenizeMs(3200)).toBeLessThan(50);
  });
});

describe('fitLine', () => {
  it.each([
    ['an exact line', [{ tokens: 100, ms: 2 }, { tokens: 1100, ms: 4 }], { fixedMs: 1.8, perTokenMs: 0.002 }],
    ['a negative intercept clamped to 0', [{ tokens: 1000, ms: 1 }, { tokens: 2000, ms: 3 }], { fixedMs: 0, perTokenMs: 0.002 }],
    ['one size only: no slope', [{ tokens: 500, ms: 2 }], { fixedMs: 2, perTokenMs: 0 }],
  ])('%s', (_name, points, cost) => {
    const fit = fitLine(points);
    expect(fit.fixedMs).toBeCloseTo(cost.fixedMs, 9);
    expect(fit.perTokenMs).toBeCloseTo(cost.perTokenMs, 9);
  });
});
