import { costModelFor } from '@llmd/gpu-cost';
import { concurrencyLimit, decodeContext, decodePodCapacity, kvMaxSequences, largestBatchWithin, MAX_BATCH, normalQuantile, prefillPodCapacity, prefillServiceMs, unifiedLoad, unifiedPodCapacity } from './capacity-model';
import { latencyQuantileMs, maxUtilisation } from './queueing';

const cost = costModelFor('llama-3-8b');
const mix = { promptTokens: 1000, cachedTokens: 0, outputTokens: 200 };
const targets = { ttftMs: 500, itlMs: 20, percentile: 90, ttftCorrection: 1, itlCorrection: 1 };

describe('queueing bound (M/D/1 with an exponential wait tail)', () => {
  it('is the service time while the utilisation is below 1 - p', () => {
    expect(latencyQuantileMs(100, 0.05, 90)).toBe(100);
    expect(latencyQuantileMs(100, 0.1, 90)).toBeCloseTo(100, 9);
  });

  it('grows with the utilisation and is unbounded at 1', () => {
    const qs = [0.2, 0.5, 0.8, 0.95].map((r) => latencyQuantileMs(100, r, 90));
    expect([...qs].sort((a, b) => a - b)).toEqual(qs);
    expect(latencyQuantileMs(100, 1, 90)).toBe(Number.POSITIVE_INFINITY);
    // rho 0.5, p90: 100 + 100 / (2 * 0.5) * ln(0.5 / 0.1)
    expect(latencyQuantileMs(100, 0.5, 90)).toBeCloseTo(100 + 100 * Math.log(5), 9);
  });

  it('maxUtilisation is the utilisation whose percentile meets the target', () => {
    const rho = maxUtilisation(100, 400, 90);
    expect(latencyQuantileMs(100, rho, 90)).toBeCloseTo(400, 6);
    expect(maxUtilisation(500, 400, 90)).toBe(0);
  });
});

describe('per-pod capacity from the GPU cost tables', () => {
  it('prefill: rate = rho* / S, rho* from the TTFT target', () => {
    const c = prefillPodCapacity(cost, mix, targets);
    const s = cost.prefillMs(1000);
    expect(c.prefillMs).toBeCloseTo(s, 9);
    expect(c.ratePerPod).toBeCloseTo(maxUtilisation(s, 500, 90) / (s / 1000), 9);
    expect(c.bound).toBe('ttft');
  });

  it('prefill: cached prefix tokens are not recomputed, so a pod sustains more', () => {
    const cached = prefillPodCapacity(cost, { ...mix, promptTokens: 8192, cachedTokens: 6144 }, targets);
    const cold = prefillPodCapacity(cost, { ...mix, promptTokens: 8192 }, targets);
    expect(cached.prefillMs).toBeCloseTo(cost.prefillBehindMs(2048, 6144), 9);
    expect(cached.ratePerPod).toBeGreaterThan(2 * cold.ratePerPod);
  });

  it('decode: the largest batch whose step at the mean context meets the ITL target', () => {
    const c = decodePodCapacity(cost, mix, targets);
    const ctx = decodeContext(mix);
    expect(ctx).toBe(1100);
    expect(c.bound).toBe('itl');
    expect(cost.decodeStepMs(c.maxBatch, ctx)).toBeLessThanOrEqual(20);
    expect(cost.decodeStepMs(c.maxBatch + 1, ctx)).toBeGreaterThan(20);
  });

  it("decode: Little's law, rate per pod x decode duration = the batch the pod holds", () => {
    const c = decodePodCapacity(cost, mix, targets);
    expect((c.ratePerPod * mix.outputTokens * c.decodeStepMs) / 1000).toBeCloseTo(c.maxBatch, 9);
  });

  it('decode: a loose ITL target is bound by the KV cache, less the Poisson fluctuation at the percentile', () => {
    const long = { promptTokens: 8000, cachedTokens: 0, outputTokens: 1000 };
    const c = decodePodCapacity(cost, long, { ...targets, itlMs: 200 });
    const n = kvMaxSequences(cost, long);
    expect(c.bound).toBe('kv');
    expect(c.maxBatch).toBe(concurrencyLimit(cost, long, 90));
    expect(Math.abs(c.maxBatch - (n - 1.2816 * Math.sqrt(n)))).toBeLessThan(1.5);
  });

  it("decode: short sequences are bound by vLLM's max_num_seqs (256), not the KV cache", () => {
    const short = { promptTokens: 200, cachedTokens: 0, outputTokens: 100 };
    expect(kvMaxSequences(cost, short)).toBe(MAX_BATCH);
    const c = decodePodCapacity(cost, short, { ...targets, itlMs: 500 });
    expect(c.maxBatch).toBe(concurrencyLimit(cost, short, 90));
    expect(c.maxBatch).toBeLessThan(MAX_BATCH);
  });

  it.each([
    [0.9, 1.2816],
    [0.95, 1.6449],
    [0.99, 2.3263],
  ])('normalQuantile(%d) = %d within 0.01', (q, z) => {
    expect(Math.abs(normalQuantile(q) - z)).toBeLessThan(0.01);
  });

  it('an ITL target below one sequence\'s step is out of reach', () => {
    expect(largestBatchWithin(cost, 1100, 1, 1024)).toBe(0);
    expect(decodePodCapacity(cost, mix, { ...targets, itlMs: 1 }).ratePerPod).toBe(0);
  });

  it.each([
    ['ttft', { ttftCorrection: 2, itlCorrection: 1 }, 'prefill'],
    ['itl', { ttftCorrection: 1, itlCorrection: 1.5 }, 'decode'],
  ] as const)('a %s correction above 1 lowers the capacity', (_n, corr, role) => {
    const f = role === 'prefill' ? prefillPodCapacity : decodePodCapacity;
    expect(f(cost, mix, { ...targets, ...corr }).ratePerPod).toBeLessThan(f(cost, mix, targets).ratePerPod);
  });

  it('unified: prefill and decode share the GPU, so a pod sustains less than either alone, within both targets', () => {
    const u = unifiedPodCapacity(cost, mix, targets);
    expect(u.ratePerPod).toBeGreaterThan(0);
    expect(u.ratePerPod).toBeLessThan(prefillPodCapacity(cost, mix, targets).ratePerPod);
    expect(u.ratePerPod).toBeLessThan(decodePodCapacity(cost, mix, targets).ratePerPod);
    const at = unifiedLoad(cost, mix, u.ratePerPod, 90);
    expect(at.ttftMs).toBeLessThanOrEqual(500 + 1e-6);
    expect(at.itlMs).toBeLessThanOrEqual(20 + 1e-6);
    // a bit more traffic breaks the binding target
    const over = unifiedLoad(cost, mix, u.ratePerPod * 1.01, 90);
    expect(u.bound === 'itl' ? over.itlMs > 20 : over.ttftMs > 500).toBe(true);
  });

  it("unified: ITL is the step stretched by the prefill share beyond the shared weight read, L = rate x output x ITL", () => {
    const at = unifiedLoad(cost, mix, 5, 90);
    const s = prefillServiceMs(cost, mix);
    expect(at.prefillUtilisation).toBeCloseTo((5 * (s - cost.decodeFloorMs())) / 1000, 9);
    // the prefill's mixed step pays the weight read once
    expect(at.prefillServiceMs).toBeCloseTo(s + cost.decodeStepMs(at.concurrency, 1100) - cost.decodeFloorMs(), 6);
    expect(at.itlMs).toBeCloseTo(cost.decodeStepMs(at.concurrency, 1100) / (1 - at.prefillUtilisation), 4);
    expect(at.concurrency).toBeCloseTo((5 * 200 * at.itlMs) / 1000, 4);
  });
});
