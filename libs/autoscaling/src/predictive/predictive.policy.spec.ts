import { costModelFor } from '@llmd/gpu-cost';
import { PoolAutoscaler } from '../pool-autoscaler';
import { feed, observe, spec } from '../testing/pool-fixtures';
import type { TrafficBin } from '../types';
import { forecastDemand, leadSeconds, MAX_FORECAST_MARGIN, median, scaleLoad } from './predictive.policy';

const cost = costModelFor('llama-3-8b');
const mix = { promptTokens: 1000, cachedTokens: 0, outputTokens: 200, ttftMs: 100, itlMs: 9, remotePrefill: true };
const HOUR = 3_600_000;
/** An hour-long season of 60 s bins: 5 req/s for the first half hour, 200 req/s for the second. */
function history(seasons: number): TrafficBin[] {
  const bins: TrafficBin[] = [];
  for (let i = 0; i < seasons * 60; i++) {
    const rate = i % 60 < 30 ? 5 : 200;
    bins.push({ startMs: i * 60_000, requests: rate * 60, promptTokens: rate * 60 * 1000, outputTokens: rate * 60 * 200 });
  }
  return bins;
}

function pool(policy: 'predictive' | 'slo', extra: Record<string, unknown> = {}) {
  const s = spec({ policy, maxReplicas: 40, startupSeconds: 180, slo: { ttftMs: 500, itlMs: 20 }, predictive: { seasonSeconds: 3600 }, ...extra });
  const a = new PoolAutoscaler({ spec: s, role: 'decode', costModel: cost, startMs: 0 });
  a.seed(history(3));
  return a;
}

describe('predictive policy', () => {
  // Two minutes before the half-hour step of the fourth season, at the low rate.
  const now = 3 * HOUR + 28 * 60_000;

  it('provisions for the forecast peak one start-up ahead (the slo policy only for what it sees)', () => {
    const p = pool('predictive');
    const s = pool('slo');
    feed(p, now - 60_000, now, 5, mix);
    feed(s, now - 60_000, now, 5, mix);
    const dp = p.decide(observe(now, 1));
    const ds = s.decide(observe(now, 1));
    expect(dp.reason).toBe('forecast');
    expect(dp.inputs.forecastRate).toBeGreaterThan(150);
    expect(dp.inputs.leadSeconds).toBe(180);
    expect(dp.recommended).toBeGreaterThan(ds.recommended);
    expect(dp.recommended).toBe(Math.ceil((dp.inputs.forecastRate * (1 + dp.inputs.forecastError) + dp.inputs.backlogRate) / dp.inputs.ratePerPod - 1e-9));
  });

  it('takes the lead from the median observed start-up: a shorter lead does not see the step yet', () => {
    const p = pool('predictive');
    for (const s of [30, 40, 90]) p.observeStartup(s);
    feed(p, now - 60_000, now, 5, mix);
    const d = p.decide(observe(now, 1));
    expect(d.inputs.leadSeconds).toBe(40);
    expect(d.reason).not.toBe('forecast');
    expect(d.inputs.forecastRate).toBeLessThan(10);
  });

  it('without a season to go on, provisions one lead ahead on a rising short-term trend (at most +50%)', () => {
    const fresh = () => new PoolAutoscaler({ spec: spec({ policy: 'predictive', maxReplicas: 40, startupSeconds: 60, slo: { ttftMs: 500, itlMs: 20 } }), role: 'decode', costModel: cost, startMs: 0 });
    const rising = fresh();
    const flat = fresh();
    // 100 req/s climbing by 1 req/s every second, against a flat 130 req/s (the same last rate)
    for (let s = 0; s < 60; s++) {
      feed(rising, s * 1000, (s + 1) * 1000, 100 + s, mix);
      feed(flat, s * 1000, (s + 1) * 1000, 130, mix);
    }
    const r = rising.decide(observe(60_000, 2));
    const f = flat.decide(observe(60_000, 2));
    expect(f.inputs.trendRate).toBeUndefined();
    expect(r.inputs.trendRate).toBeGreaterThan(180); // ~160 now + 1/s over the 60 s lead, capped at 1.5 x 160
    expect(r.inputs.trendRate).toBeLessThanOrEqual(1.5 * 161);
    expect(r.inputs.demandRate).toBeCloseTo(r.inputs.trendRate, 6);
    expect(r.reason).toBe('forecast');
    expect(r.recommended).toBeGreaterThan(f.recommended);
  });

  it('with a season learnt, extrapolates a rising trend only once the traffic has left the forecast band', () => {
    const at = 3 * HOUR + 45 * 60_000; // inside the 200 req/s half of the fourth season
    const rampFrom = (from: number) => {
      const s = spec({ policy: 'predictive', maxReplicas: 40, startupSeconds: 180, slo: { ttftMs: 500, itlMs: 20 }, predictive: { seasonSeconds: 3600 } });
      const p = new PoolAutoscaler({ spec: s, role: 'decode', costModel: cost, startMs: 0 });
      p.seed(history(4).filter((b) => b.startMs < at - 60_000)); // the seasons before, up to the last minute
      for (let s = 0; s < 60; s++) feed(p, at - 60_000 + s * 1000, at - 60_000 + (s + 1) * 1000, from + s, mix);
      return p.decide(observe(at, 4));
    };
    const within = rampFrom(130); // 130 -> 189 req/s: under the forecast 200
    expect(within.inputs.trendRate).toBeGreaterThan(200); // the slope is there...
    expect(within.inputs.demandRate).toBeLessThan(within.inputs.trendRate); // ...and not provisioned for
    const beyond = rampFrom(260); // 260 -> 319 req/s: off the pattern
    expect(beyond.inputs.demandRate).toBeCloseTo(beyond.inputs.trendRate, 6);
  });

  it('never provisions below the observed rate', () => {
    const p = pool('predictive');
    feed(p, now - 60_000, now, 300, mix); // more than any forecast bin
    const d = p.decide(observe(now, 3));
    expect(d.inputs.demandRate).toBeCloseTo(Math.max(300, d.inputs.forecastRate * (1 + Math.min(MAX_FORECAST_MARGIN, d.inputs.forecastError))), 6);
    expect(d.inputs.demandRate).toBeGreaterThanOrEqual(300);
  });

  it('over saturation, scales the observed load by forecast / observed rate before the WVA rules', () => {
    const p = pool('predictive', { predictive: { seasonSeconds: 3600, basePolicy: 'saturation' } });
    feed(p, now - 60_000, now, 5, mix);
    const d = p.decide(observe(now, 2, { kv: 0.3, waiting: 0 }));
    expect(d.inputs.forecastFactor).toBeGreaterThan(8);
    expect(d).toMatchObject({ reason: 'forecast', recommended: 3 });
  });

  it('wakes a pool at zero ahead of forecast traffic', () => {
    const p = pool('predictive', { minReplicas: 0, scaleToZero: true });
    const d = p.decide({ nowMs: now, specReplicas: 0, readyReplicas: 0, startingReplicas: 0, load: [] });
    expect(d).toMatchObject({ reason: 'wake-from-zero', desired: 1 });
  });

  it.each([
    [undefined, [], 120, 120],
    [undefined, [30, 50, 40], 120, 40],
    [undefined, [30, 50, 40, 60], 120, 45],
    [15, [30, 50, 40], 120, 15],
  ])('lead: configured %s, observed %j, spec %d -> %d s', (configured, observed, startup, want) => {
    expect(leadSeconds(configured, observed, startup)).toBe(want);
  });

  it('pieces: median, demand, scaled load', () => {
    expect(median([])).toBeNaN();
    expect(forecastDemand(10, 25)).toBe(25);
    expect(forecastDemand(10, 4)).toBe(10);
    expect(forecastDemand(10, undefined)).toBe(10);
    // raised by the forecaster's recent relative error, at most MAX_FORECAST_MARGIN
    expect(forecastDemand(10, 25, 0.08)).toBeCloseTo(27, 9);
    expect(forecastDemand(10, 25, 3)).toBeCloseTo(25 * (1 + MAX_FORECAST_MARGIN), 9);
    expect(scaleLoad([{ id: 'a', kvCacheUsage: 0.2, waiting: 1, running: 3 }], 2)).toEqual([{ id: 'a', kvCacheUsage: 0.4, waiting: 2, running: 6 }]);
  });
});
