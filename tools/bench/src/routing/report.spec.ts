import { sustainedTokensPerSec } from './report';

describe('sustainedTokensPerSec', () => {
  const o = (arrivalMs: number, ttftMs: number, endMs: number, outputTokens: number) => ({ arrivalMs, ttftMs, endMs, outputTokens, itlMs: 0, ok: true });

  it('counts the tokens generated between the first and the last arrival, spread over each request', () => {
    // Window [0, 1000]: A streams 10 tokens over [100, 1100] (9 fall inside), B starts at the window's end.
    expect(sustainedTokensPerSec([o(0, 100, 1100, 10), o(1000, 0, 2000, 10)])).toBeCloseTo(9);
  });

  it('counts a single-token request when its token falls inside the window', () => {
    expect(sustainedTokensPerSec([o(0, 200, 200, 1), o(500, 600, 1100, 5), o(1000, 100, 1100, 1)])).toBeCloseTo(1);
  });

  it('is undefined without a window', () => {
    expect(sustainedTokensPerSec([o(0, 1, 2, 3)])).toBeNaN();
    expect(sustainedTokensPerSec([o(5, 1, 9, 3), o(5, 1, 9, 3)])).toBeNaN();
  });
});
