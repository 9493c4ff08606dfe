import { seededRandom } from '../testing/prng';
import { SeriesForecaster } from './series-forecaster';

const P = 96; // a day of 15-minute bins
/** 100 + 40 sin(2 pi i / P) + 0.05 i, times up to +-5% noise. */
function series(i: number, noise: () => number = () => 0.5): number {
  return (100 + 40 * Math.sin((2 * Math.PI * i) / P) + 0.05 * i) * (1 + 0.1 * (noise() - 0.5));
}

describe('SeriesForecaster (seasonal profile + level and damped trend of the residuals)', () => {
  it('after three noisy seasons of a sinusoid with a trend, predicts the whole next season within 5% MAPE (10% worst bin)', () => {
    const rnd = seededRandom(7);
    const f = new SeriesForecaster(P);
    for (let i = 0; i < 3 * P; i++) f.observe(i, series(i, rnd));
    const errors: number[] = [];
    for (let i = 3 * P; i < 4 * P; i++) errors.push(Math.abs(f.forecast(i) - series(i)) / series(i));
    const mape = errors.reduce((a, e) => a + e, 0) / errors.length;
    expect(f.seasonal).toBe(true);
    expect(mape).toBeLessThan(0.05);
    expect(Math.max(...errors)).toBeLessThan(0.1);
  });

  it('one bin ahead, online over a fourth season, within 4% MAPE', () => {
    const rnd = seededRandom(11);
    const f = new SeriesForecaster(P);
    for (let i = 0; i < 3 * P; i++) f.observe(i, series(i, rnd));
    let sum = 0;
    for (let i = 3 * P; i < 4 * P; i++) {
      sum += Math.abs(f.forecast(i) - series(i)) / series(i);
      f.observe(i, series(i, rnd));
    }
    expect(sum / P).toBeLessThan(0.04);
  });

  it('beats trend-only forecasting once it has a season', () => {
    const f = new SeriesForecaster(P);
    const g = new SeriesForecaster(P);
    for (let i = 0; i < 2 * P; i++) f.observe(i, series(i));
    for (let i = P + 1; i < 2 * P; i++) g.observe(i, series(i)); // under one season: trend only
    expect(g.seasonal).toBe(false);
    const err = (x: SeriesForecaster) => [...Array(P).keys()].reduce((a, h) => a + Math.abs(x.forecast(2 * P + h) - series(2 * P + h)), 0);
    expect(err(f)).toBeLessThan(err(g) / 3);
  });

  it('under one season, forecasts from level and trend: flat stays flat, a ramp keeps rising', () => {
    const flat = new SeriesForecaster(P);
    const ramp = new SeriesForecaster(P);
    for (let i = 0; i < 30; i++) {
      flat.observe(i, 50);
      ramp.observe(i, 10 + 2 * i);
    }
    expect(flat.forecast(40)).toBeCloseTo(50, 9);
    expect(ramp.forecast(35)).toBeGreaterThan(ramp.forecast(30));
    expect(ramp.forecast(30)).toBeGreaterThan(10 + 2 * 20);
  });

  it('never forecasts below zero, and nothing before any observation', () => {
    const f = new SeriesForecaster(P);
    expect(f.forecast(3)).toBeNaN();
    for (let i = 0; i < 20; i++) f.observe(i, Math.max(0, 40 - 4 * i));
    expect(f.forecast(60)).toBe(0);
  });

  it('rejects bins out of order and a period under two bins', () => {
    const f = new SeriesForecaster(P);
    f.observe(5, 1);
    expect(() => f.observe(5, 1)).toThrow(/bin 5/);
    expect(() => new SeriesForecaster(1)).toThrow(/period/);
  });
});
