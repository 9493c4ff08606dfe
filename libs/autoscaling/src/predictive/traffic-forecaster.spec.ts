import type { TrafficBin } from '../types';
import { TrafficForecaster } from './traffic-forecaster';

const bin = (i: number, requests: number, prompt = 1000, output = 200): TrafficBin => ({ startMs: i * 60_000, requests, promptTokens: requests * prompt, outputTokens: requests * output });

describe('TrafficForecaster (requests and token mix per bin)', () => {
  it('forecasts the request rate and the mean tokens per request', () => {
    const f = new TrafficForecaster(60, 3600);
    for (let i = 0; i < 10; i++) f.observe(bin(i, 600, 800, 150));
    const at = f.forecastAt(11 * 60_000);
    expect(at?.requestRate).toBeCloseTo(10, 9);
    expect(at?.promptTokens).toBeCloseTo(800, 9);
    expect(at?.outputTokens).toBeCloseTo(150, 9);
    expect(at?.seasonal).toBe(false);
  });

  it('learns a season and finds the peak of a window ahead', () => {
    const f = new TrafficForecaster(60, 3600);
    for (let i = 0; i < 120; i++) f.observe(bin(i, i % 60 === 40 ? 6000 : 600));
    const peak = f.peak(120 * 60_000 + 35 * 60_000, 120 * 60_000 + 45 * 60_000);
    expect(peak?.seasonal).toBe(true);
    expect(peak?.requestRate).toBeGreaterThan(80);
    expect(f.peak(120 * 60_000, 120 * 60_000 + 10 * 60_000)?.requestRate).toBeLessThan(20);
  });

  it('counts skipped bins as empty and ignores bins older than the newest', () => {
    const f = new TrafficForecaster(60, 3600);
    f.observe(bin(0, 600));
    f.observe(bin(5, 600));
    expect(f.history).toBe(6);
    f.observe(bin(3, 600));
    expect(f.lastBin).toBe(5);
  });

  it('keeps its recent one-bin-ahead relative error: none on a flat series, about the noise on a noisy one', () => {
    const flat = new TrafficForecaster(60, 3600);
    for (let i = 0; i < 30; i++) flat.observe(bin(i, 600));
    expect(flat.forecastAt(31 * 60_000)?.relativeError).toBeCloseTo(0, 9);
    const noisy = new TrafficForecaster(60, 3600);
    // 600 with ±10% noise (a fixed pseudo-random sequence)
    let x = 7;
    for (let i = 0; i < 200; i++) {
      x = (x * 48271) % 2147483647;
      noisy.observe(bin(i, Math.round(600 * (0.9 + (0.2 * x) / 2147483647))));
    }
    const e = noisy.forecastAt(201 * 60_000)?.relativeError ?? 0;
    expect(e).toBeGreaterThan(0.05);
    expect(e).toBeLessThan(0.25);
  });

  it('says nothing before any history and rejects a season under two bins', () => {
    expect(new TrafficForecaster(60, 3600).forecastAt(0)).toBeUndefined();
    expect(() => new TrafficForecaster(60, 60)).toThrow(/seasonSeconds/);
    expect(() => new TrafficForecaster(0, 3600)).toThrow(/binSeconds/);
  });
});
