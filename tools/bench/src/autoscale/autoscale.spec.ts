import { autoscalingSpec } from '@llmd/crd-types';
import { costModelFor } from '@llmd/gpu-cost';
import type { ScalingDecision } from '@llmd/autoscaling';
import { runDes } from '../routing/des';
import { mixedAt, rng } from '../routing/workloads';
import { makeScaler, type PolicyName } from './scalers';
import { summarizeRun } from './summary';
import { arrivals, buildTrace, weekHistory } from './traces';

const MIN = 60_000;
// Small pods (16 sequences at a time) keep the run short. A step: 5 req/s for 20 s, 50 req/s (some
// three such pods' worth) for 70 s, then 5 again.
const HORIZON = 3 * MIN;
const rate = (t: number) => (t >= 20_000 && t < 90_000 ? 50 : 5);
const requests = mixedAt(arrivals(rate, 50, HORIZON, rng(5)), { seed: 6, scale: 0.25 });
const spec = autoscalingSpec.parse({
  policy: 'saturation',
  maxReplicas: 4,
  startupSeconds: 20,
  slo: { ttftMs: 500, itlMs: 40 },
  // Scale-down within the run (the default window is 5 minutes).
  behavior: { scaleDown: { stabilizationWindowSeconds: 60 } },
});

async function run(policy: PolicyName, decisions?: ScalingDecision[]) {
  const scaler = makeScaler(policy, { role: 'unified', spec, costModel: costModelFor('llama-3-8b'), staticReplicas: 3, history: [], offsetMs: 0, decisions });
  return runDes(requests, {
    pods: 0,
    profile: 'load-only',
    maxNumSeqs: 16,
    autoscaling: { pools: [{ name: 'unified', role: 'unified', replicas: 1 }], scalers: { unified: scaler }, startupSeconds: 20, horizonMs: HORIZON },
  });
}

describe('the autoscaling study, end to end in the simulator', () => {
  it('a load step makes the policy add pods that take traffic once ready; scaled back down, nothing is lost', async () => {
    const decisions: ScalingDecision[] = [];
    const r = await run('saturation', decisions);
    const fleet = r.fleet!;
    expect(r.outcomes).toHaveLength(requests.length);
    const up = fleet.actions.find((a) => a.to > a.from)!;
    expect(up.atMs).toBeGreaterThanOrEqual(20_000);
    expect(decisions.some((d) => d.desired > d.current)).toBe(true);
    const added = fleet.pods.filter((p) => p.createdMs > 0);
    expect(added.length).toBeGreaterThan(0);
    for (const pod of added) {
      expect(pod.readyMs! - pod.createdMs).toBe(20_000);
      const served = r.outcomes.filter((o) => o.pod === pod.id);
      expect(served.length).toBeGreaterThan(0);
      for (const o of served) expect(o.arrivalMs + o.pickMs).toBeGreaterThanOrEqual(pod.readyMs!);
    }
    // Back at 5 req/s, the pool shrinks; removed pods stop after their last request.
    expect(fleet.actions.at(-1)!.to).toBeLessThan(Math.max(...fleet.actions.map((a) => a.to)));
    for (const pod of fleet.pods.filter((p) => p.removedMs !== undefined)) {
      const last = Math.max(pod.removedMs!, ...r.outcomes.filter((o) => o.pod === pod.id).map((o) => o.endMs));
      expect(pod.stoppedMs).toBe(last);
    }
    const gpuMs = fleet.pods.reduce((a, p) => a + (p.stoppedMs - p.createdMs), 0);
    expect(fleet.gpuHours).toBeCloseTo(gpuMs / 3_600_000, 12);
    const s = summarizeRun('step', 'saturation', r, HORIZON, { ttftMs: 500, itlMs: 40, percentile: 90 });
    expect(s.scalingActions).toBe(fleet.actions.length);
    expect(s.minutes).toHaveLength(3);
    expect(s.sloAttainment).toBeGreaterThan(0);
  });

  it('static-peak holds its replicas; the HPA on GPU utilization scales up on busy engines', async () => {
    const fixed = await run('static-peak');
    expect(fixed.fleet!.actions).toEqual([{ atMs: 15_000, pool: 'unified', from: 1, to: 3 }]);
    const hpa = await run('hpa-gpu-util');
    expect(hpa.fleet!.actions[0].to).toBeGreaterThan(1);
    expect(hpa.outcomes).toHaveLength(requests.length);
  });
});

describe('traces', () => {
  it('draw Poisson arrivals that follow the rate curve', () => {
    const t = buildTrace('step', { seed: 1, tokenScale: 0.5, quick: true });
    const perMinute = (m: number) => t.requests.filter((r) => r.arrivalMs >= m * MIN && r.arrivalMs < (m + 1) * MIN).length / 60;
    expect(perMinute(0)).toBeCloseTo(10, -1);
    expect(perMinute(1)).toBeGreaterThan(35);
    expect(perMinute(1)).toBeLessThan(45);
    expect(t.requests.every((r, i) => i === 0 || r.arrivalMs >= t.requests[i - 1].arrivalMs)).toBe(true);
  });

  it('give the predictive policy a week of history, weekends lower, ending where the day starts', () => {
    const day = 8 * MIN;
    const bins = weekHistory(() => 10, day, { seed: 1, tokenScale: 0.5, quick: true });
    expect(bins).toHaveLength(7 * 8);
    expect(bins.at(-1)!.startMs).toBe(7 * day - MIN);
    const perDay = Array.from({ length: 7 }, (_, d) => bins.slice(d * 8, d * 8 + 8).reduce((a, b) => a + b.requests, 0));
    // Wednesday to Tuesday: Saturday and Sunday (days 3 and 4) at 60%.
    expect(perDay[3] / perDay[0]).toBeLessThan(0.75);
    expect(perDay[4] / perDay[6]).toBeLessThan(0.75);
    expect(perDay[0]).toBeGreaterThan(0.85 * 10 * 8 * 60);
  });
});
