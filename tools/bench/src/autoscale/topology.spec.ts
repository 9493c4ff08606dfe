import type { ScalingDecision } from '@llmd/autoscaling';
import { autoscalingSpec } from '@llmd/crd-types';
import { costModelFor } from '@llmd/gpu-cost';
import { mixedAt, rng } from '../routing/workloads';
import { summarizeRun } from './summary';
import { pdThreshold, planPools, runPools, type PoolPlan } from './topology';
import { arrivals, buildTrace, mixAbove } from './traces';

const MIN = 60_000;
// Small pods (16 sequences at a time) keep the run short. A step: 4 req/s for 20 s, 20 req/s for 60 s,
// then 4 again; at token scale 0.5 some two fifths of the prompts reach the P/D threshold.
const HORIZON = 2.5 * MIN;
const rate = (t: number) => (t >= 20_000 && t < 80_000 ? 20 : 4);
const requests = mixedAt(arrivals(rate, 20, HORIZON, rng(5)), { seed: 6, scale: 0.5 });
const spec = autoscalingSpec.parse({ policy: 'saturation', maxReplicas: 4, startupSeconds: 20, slo: { ttftMs: 500, itlMs: 40 }, behavior: { scaleDown: { stabilizationWindowSeconds: 60 } } });
const plan = (role: 'prefill' | 'decode'): PoolPlan => ({ name: role, role, capacityRps: 20, staticReplicas: 2, initialReplicas: 1, maxReplicas: 4, history: [] });

describe('the autoscaling study with P/D pools', () => {
  it('each pool has its own scaler: both are asked every sync, a load step grows a pool, GPU time adds up over both', async () => {
    const decisions: Record<string, ScalingDecision[]> = {};
    const r = await runPools(requests, 'saturation', [plan('prefill'), plan('decode')], {
      topology: 'pd',
      specFor: () => spec,
      costModel: costModelFor('llama-3-8b'),
      seed: 1,
      startupSeconds: 20,
      horizonMs: HORIZON,
      offsetMs: 0,
      maxNumSeqs: 16,
      decisions,
    });
    const fleet = r.fleet!;
    expect(r.outcomes).toHaveLength(requests.length);
    // Every 15 s to the horizon (and on while the last requests finish), each pool's own PoolAutoscaler.
    expect(decisions.prefill.length).toBeGreaterThanOrEqual(HORIZON / 15_000);
    expect(decisions.decode.map((d) => d.atMs)).toEqual(decisions.prefill.map((d) => d.atMs));
    const up = fleet.actions.filter((a) => a.to > a.from);
    expect(up.length).toBeGreaterThan(0);
    expect(up[0].atMs).toBeGreaterThanOrEqual(20_000);
    expect(fleet.pods.filter((p) => p.createdMs > 0).every((p) => p.pool === 'prefill' || p.pool === 'decode')).toBe(true);
    // Prompts over the threshold went through a prefill pod, the rest straight to decode.
    const viaPrefill = r.outcomes.filter((o) => o.prefillPod !== undefined);
    expect(viaPrefill.length).toBeGreaterThan(0.25 * r.outcomes.length);
    for (const o of viaPrefill) expect(o.promptTokens).toBeGreaterThanOrEqual(pdThreshold());
    for (const o of r.outcomes.filter((x) => x.promptTokens < pdThreshold())) expect(o.prefillPod).toBeUndefined();
    // GPU time: every pod of both pools, from creation to stop.
    const gpuMs = (pool: string) => fleet.pods.filter((p) => p.pool === pool).reduce((a, p) => a + (p.stoppedMs - p.createdMs), 0);
    expect(fleet.gpuHoursByPool.prefill).toBeCloseTo(gpuMs('prefill') / 3_600_000, 12);
    expect(fleet.gpuHoursByPool.decode).toBeCloseTo(gpuMs('decode') / 3_600_000, 12);
    expect(fleet.gpuHours).toBeCloseTo((gpuMs('prefill') + gpuMs('decode')) / 3_600_000, 12);
    const s = summarizeRun('step', 'saturation', r, HORIZON, { ttftMs: 500, itlMs: 40, percentile: 90 }, 'pd');
    expect(s.topology).toBe('pd');
    expect(s.meanPodsByPool.prefill + s.meanPodsByPool.decode).toBeCloseTo(s.meanPods, 12);
    expect(s.prefillShare).toBeCloseTo(viaPrefill.length / r.outcomes.length, 12);
    for (const m of s.minutes) expect(m.podsByPool.prefill + m.podsByPool.decode).toBeCloseTo(m.pods, 12);
  });

  it('plans a prefill and a decode pool from their own capacities; the prefill pool forecasts only its share of the traffic', () => {
    const trace = buildTrace('diurnal', { seed: 1, tokenScale: 0.5, quick: true });
    const [prefill, decode] = planPools('pd', trace, { prefill: 25, decode: 15 }, 0.5);
    expect([prefill.name, prefill.role, decode.name, decode.role]).toEqual(['prefill', 'prefill', 'decode', 'decode']);
    expect(prefill.staticReplicas).toBe(Math.ceil(trace.peakRate / 25));
    expect(decode.staticReplicas).toBe(Math.ceil(trace.peakRate / 15));
    expect(decode.initialReplicas).toBe(Math.max(1, Math.ceil(trace.rate(0) / 15)));
    expect(decode.history).toBe(trace.history);
    const part = mixAbove(0.5, pdThreshold());
    expect(part.share).toBeGreaterThan(0.3);
    expect(part.share).toBeLessThan(0.5);
    const sum = (bins: readonly { requests: number }[]) => bins.reduce((a, b) => a + b.requests, 0);
    expect(sum(prefill.history) / sum(trace.history)).toBeCloseTo(part.share, 2);
    expect(prefill.history[0].promptTokens / prefill.history[0].requests).toBeGreaterThan(pdThreshold());
    expect(() => planPools('pd', trace, { unified: 30 }, 0.5)).toThrow('no prefill pod capacity measured');
  });
});
