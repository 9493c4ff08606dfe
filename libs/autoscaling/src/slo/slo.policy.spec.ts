import { costModelFor } from '@llmd/gpu-cost';
import { PoolAutoscaler } from '../pool-autoscaler';
import { feed, observe, spec } from '../testing/pool-fixtures';
import { decodePodCapacity, prefillPodCapacity, unifiedPodCapacity } from './capacity-model';
import { predictedLatency } from './slo.policy';

const cost = costModelFor('llama-3-8b');
// Decode pools' requests came prefilled from a prefill pool (pools of other roles ignore the flag).
const mix = { promptTokens: 1000, cachedTokens: 0, outputTokens: 200, remotePrefill: true };
const slo = { ttftMs: 500, itlMs: 20 };
const base = { policy: 'slo', maxReplicas: 40, slo, behavior: { scaleDown: { stabilizationWindowSeconds: 0 } } };
const targets = { ...slo, percentile: 90, ttftCorrection: 1, itlCorrection: 1 };
const T = 600_000;

/** A pool whose observed latencies equal the model's at the observed load (correction stays 1). */
function pool(role: 'prefill' | 'decode' | 'unified', extra: Record<string, unknown> = {}) {
  return new PoolAutoscaler({ spec: spec({ ...base, ...extra }), role, costModel: cost, startMs: 0 });
}

describe('slo policy (capacity model sized to TTFT and ITL targets)', () => {
  it.each([
    // [role, rate req/s, capacity of one pod]
    ['decode', 50, decodePodCapacity(cost, mix, targets).ratePerPod],
    ['decode', 200, decodePodCapacity(cost, mix, targets).ratePerPod],
    ['prefill', 50, prefillPodCapacity(cost, mix, targets).ratePerPod],
    ['prefill', 200, prefillPodCapacity(cost, mix, targets).ratePerPod],
    ['unified', 50, unifiedPodCapacity(cost, mix, targets).ratePerPod],
  ] as const)('%s pool at %d req/s: ceil(rate / capacity per pod) replicas', (role, rate, perPod) => {
    const a = pool(role);
    const obs = observe(T, 4);
    const model = predictedLatency(role, cost, mix, { samples: 0, requestRate: rate, ttftP: 0, itlP: 0, readyReplicas: 4, load: obs.load }, 90);
    // latencies as the model predicts them (an overloaded prediction, Infinity, leaves the correction alone)
    const fin = (ms: number) => (Number.isFinite(ms) ? ms : 100);
    feed(a, T - 60_000, T, rate, { ...mix, ttftMs: fin(model.ttftMs), itlMs: fin(model.itlMs) });
    const d = a.decide(obs);
    expect(d.inputs.ttftCorrection).toBeCloseTo(1, 9);
    expect(d.inputs.itlCorrection).toBeCloseTo(1, 9);
    expect(d.recommended).toBe(Math.ceil(rate / perPod));
    expect(d.inputs.requestRate).toBeCloseTo(rate, 6);
    expect(d.inputs.ratePerPod).toBeGreaterThan(0);
  });

  it('prefill and decode pools of the same traffic are sized separately', () => {
    const p = pool('prefill');
    const d = pool('decode');
    const long = { promptTokens: 6000, cachedTokens: 0, outputTokens: 100, ttftMs: 100, itlMs: 10 };
    feed(p, T - 60_000, T, 60, long);
    feed(d, T - 60_000, T, 60, { ...long, remotePrefill: true });
    const pd = p.decide(observe(T, 2));
    const dd = d.decide(observe(T, 2));
    expect(pd.recommended).toBeGreaterThan(dd.recommended); // long prompts, short answers: prefill-heavy
  });

  it('latency over the model corrects it (observed / predicted, smoothed) and asks for more replicas', () => {
    const a = pool('decode');
    const c = pool('decode');
    const ctx = 1100;
    const running = 40;
    const predicted = cost.decodeStepMs(running, ctx);
    let last = { a: 0, c: 0 };
    for (let k = 1; k <= 10; k++) {
      const now = T + k * 15_000;
      feed(a, now - 15_000, now, 100, { ...mix, ttftMs: 100, itlMs: 2 * predicted });
      feed(c, now - 15_000, now, 100, { ...mix, ttftMs: 100, itlMs: predicted });
      last = { a: a.decide(observe(now, 4, { running })).recommended, c: c.decide(observe(now, 4, { running })).recommended };
    }
    const da = a.decide(observe(T + 165_000, 4, { running }));
    expect(da.inputs.itlCorrection).toBeGreaterThan(1.8);
    expect(da.inputs.itlCorrection).toBeLessThanOrEqual(2);
    expect(last.a).toBeGreaterThan(last.c);
  });

  it('reports ttft-over-target when it scales up a prefill pool whose TTFT is over target', () => {
    const a = pool('prefill');
    feed(a, T - 60_000, T, 300, { ...mix, ttftMs: 900, itlMs: 10 });
    const d = a.decide(observe(T, 2));
    expect(d.reason).toBe('ttft-over-target');
    expect(d.recommended).toBeGreaterThan(2);
  });

  it('waiting requests add the rate that drains them within one window', () => {
    const a = pool('decode');
    const b = pool('decode');
    feed(a, T - 60_000, T, 100, { ...mix, ttftMs: 100, itlMs: 10 });
    feed(b, T - 60_000, T, 100, { ...mix, ttftMs: 100, itlMs: 10 });
    const calm = a.decide(observe(T, 4));
    const queued = b.decide(observe(T, 4, { waiting: 1500 }));
    expect(queued.inputs.backlogRate).toBeCloseTo(100, 9);
    expect(queued.recommended).toBeGreaterThan(calm.recommended);
  });

  it('a decode pool that prefills part of its requests itself is sized for that work too (a partial P/D split)', () => {
    const pure = pool('decode');
    const partial = pool('decode');
    const r = { promptTokens: 1000, cachedTokens: 0, outputTokens: 200, ttftMs: 100, itlMs: 10 };
    feed(pure, T - 60_000, T, 100, { ...r, remotePrefill: true });
    // the same traffic, half of it short prompts the decode pods prefill themselves
    feed(partial, T - 60_000, T, 50, { ...r, remotePrefill: true });
    feed(partial, T - 60_000, T, 50, { ...r, promptTokens: 300 });
    const dp = pure.decide(observe(T, 4));
    const dq = partial.decide(observe(T, 4));
    expect(dp.inputs.localPrefillShare).toBeUndefined();
    expect(dq.inputs.localPrefillShare).toBeCloseTo(0.5, 6);
    expect(dq.inputs.ratePerPod).toBeLessThan(dp.inputs.ratePerPod);
    // with no local prefill the unified model is the decode model
    const mix = { promptTokens: 1000, cachedTokens: 0, outputTokens: 200 };
    expect(unifiedPodCapacity(cost, { ...mix, localPrefill: { share: 1e-9, promptTokens: 300, cachedTokens: 0 } }, targets).ratePerPod).toBeCloseTo(decodePodCapacity(cost, mix, targets).ratePerPod, -1);
  });

  it('a fresh autoscaler takes the rate over what it has observed and does not scale down before a whole window', () => {
    const fresh = new PoolAutoscaler({ spec: spec(base), role: 'decode', costModel: cost });
    const full = pool('decode');
    const r = { ...mix, ttftMs: 100, itlMs: 10 };
    // 100 req/s, seen for 15 s by the fresh one and for the whole minute by the other
    feed(fresh, T - 15_000, T, 100, r);
    feed(full, T - 60_000, T, 100, r);
    const f = fresh.decide(observe(T, 8));
    const w = full.decide(observe(T, 8));
    expect(f.inputs.requestRate).toBeCloseTo(100, 0);
    expect(f.inputs.observedSeconds).toBeLessThan(60);
    expect(w.recommended).toBeLessThan(8); // eight pods are more than 100 req/s needs
    expect(f).toMatchObject({ recommended: 8, reason: 'window-filling' });
    // a window later, it scales down as the other does
    feed(fresh, T, T + 60_000, 100, r);
    const later = fresh.decide(observe(T + 60_000, 8));
    expect(later.inputs.requestRate).toBeCloseTo(100, 0);
    expect(later.reason).toBe('slo-capacity');
    expect(later.recommended).toBeLessThan(8);
  });

  it.each([
    ['the ready replicas changed inside the window', (k: number) => observe(T + k * 15_000, k < 3 ? 2 : 4, { running: 40 })],
    ['requests are waiting (a backlog)', (k: number) => observe(T + k * 15_000, 4, { running: 40, waiting: 5 })],
  ])('corrections learn nothing while %s', (_what, obsAt) => {
    const a = pool('decode');
    const predicted = cost.decodeStepMs(40, 1100);
    let d;
    for (let k = 1; k <= 6; k++) {
      const now = T + k * 15_000;
      feed(a, now - 15_000, now, 100, { ...mix, ttftMs: 100, itlMs: 3 * predicted });
      d = a.decide(obsAt(k));
      expect(d.inputs.correctionLearnt).toBe(0);
    }
    expect(d?.inputs.itlCorrection).toBe(1);
  });

  it('a queue growing since the last sync is demand the finished requests do not show yet', () => {
    const a = pool('decode');
    const b = pool('decode');
    const r = { ...mix, ttftMs: 100, itlMs: 10 };
    feed(a, T - 60_000, T + 15_000, 100, r);
    feed(b, T - 60_000, T + 15_000, 100, r);
    a.decide(observe(T, 4, { waiting: 0 }));
    b.decide(observe(T, 4, { waiting: 0 }));
    const steady = a.decide(observe(T + 15_000, 4, { waiting: 0 }));
    // 4 × 150 more waiting over 15 s: 40 req/s arriving beyond what finishes
    const growing = b.decide(observe(T + 15_000, 4, { waiting: 150 }));
    expect(steady.inputs.queueGrowthRate).toBe(0);
    expect(growing.inputs.queueGrowthRate).toBeCloseTo(40, 9);
    expect(growing.inputs.demandRate).toBeCloseTo(growing.inputs.requestRate + 40 + 600 / 60, 6);
    expect(growing.recommended).toBeGreaterThan(steady.recommended);
  });

  it('a pool without traffic holds at its minimum', () => {
    const a = pool('decode', { minReplicas: 2 });
    const d = a.decide(observe(T, 5, { running: 0 }));
    expect(d).toMatchObject({ recommended: 2, desired: 2, reason: 'no-traffic' });
  });

  it.each([
    ['requests are running but none finished in the window (long generations)', observe(T, 5, { running: 3 })],
    ['the inputs are silent: no finished request and no load snapshot', observe(T, 5, {}, { load: [] })],
  ])('holds its replicas when %s', (_what, obs) => {
    const a = pool('decode', { minReplicas: 1 });
    expect(a.decide(obs)).toMatchObject({ recommended: 5, desired: 5, reason: 'no-metrics' });
  });

  it('needs a cost model and slo targets', () => {
    expect(() => new PoolAutoscaler({ spec: spec(base), role: 'decode' })).toThrow(/costModel/);
  });
});
