import { SATURATION_DEFAULTS } from '../saturation-defaults';
import type { ReplicaLoad } from '../types';
import { analyzeSaturation } from './saturation-analysis';
import { saturationRecommendation, saturationThresholds } from './saturation.policy';

const replicas = (...r: [kv: number, waiting: number][]): ReplicaLoad[] => r.map(([kvCacheUsage, waiting], i) => ({ id: `r${i}`, kvCacheUsage, waiting, running: 1 }));
const obs = (load: ReplicaLoad[], startingReplicas = 0) => ({ specReplicas: load.length + startingReplicas, readyReplicas: load.length, startingReplicas, load });
const t = saturationThresholds(undefined);

describe('saturation policy (WVA saturation analyzer)', () => {
  it.each([
    // Worked examples of WVA's docs; the defaults 0.8 / 5 / 0.1 / 3 unless said.
    [
      'saturation-scaling-config.md "How Scale-Up Triggers Work": A 65%, B 72% -> spare KV 0.115 >= 0.10, no scale-up (strict <)',
      replicas([0.65, 0], [0.72, 0]),
      { replicas: 2, reason: 'steady', spareKv: 0.115 },
    ],
    [
      'saturation-scaling-config.md, same example: B rises to 76% -> spare KV 0.095 < 0.10, scale-up',
      replicas([0.65, 0], [0.76, 0]),
      { replicas: 3, reason: 'spare-kv-low', spareKv: 0.095 },
    ],
    [
      'saturation-analyzer.md "Observability" log: 5 replicas, 4 unsaturated, avgSpareKv 0.150, avgSpareQueue 2.5 -> shouldScaleUp',
      replicas([0.6, 2], [0.7, 3], [0.65, 2], [0.65, 3], [0.85, 6]),
      { replicas: 6, reason: 'spare-queue-low', spareKv: 0.15, spareQueue: 2.5 },
    ],
    [
      'saturation-analyzer.md "Multi-Variant Analysis": 5 replicas KV 0.70/0.75/0.60/0.65/0.55, queues 2/3/1/2/1 -> spare KV 0.15, spare queue 3.2, neither up nor down',
      replicas([0.7, 2], [0.75, 3], [0.6, 1], [0.65, 2], [0.55, 1]),
      { replicas: 5, reason: 'steady', spareKv: 0.15, spareQueue: 3.2 },
    ],
    [
      'saturation-analyzer.md "Scale-down safety" log: after removal spare KV 0.050 and queue 1.0 -> scale-down unsafe',
      replicas([0.35, 2], [0.4, 2]),
      { replicas: 2, reason: 'steady', spareKv: 0.425, spareQueue: 3 },
    ],
    [
      'saturation-analyzer.md "Scale-Down Safety Simulation": 4 replicas at KV 0.2, no queue -> on 3 the spares are 0.533 and 5: scale down by one',
      replicas([0.2, 0], [0.2, 0], [0.2, 0], [0.2, 0]),
      { replicas: 3, reason: 'scale-down-safe', spareKv: 0.6, spareQueue: 5 },
    ],
    [
      'saturation-analyzer.md "Scale-Down Safety Simulation": N_non_sat >= 2 -> one idle unsaturated replica beside a saturated one stays',
      replicas([0.05, 0], [0.9, 0]),
      { replicas: 2, reason: 'steady', spareKv: 0.75, spareQueue: 5 },
    ],
    [
      'analyzer.go: no unsaturated replica leaves both spares at 0 -> scale-up',
      replicas([0.85, 1], [0.5, 7]),
      { replicas: 3, reason: 'all-saturated', spareKv: 0, spareQueue: 0 },
    ],
  ])('%s', (_name, load, want) => {
    const rec = saturationRecommendation(obs(load), t);
    expect(rec.replicas).toBe(want.replicas);
    expect(rec.reason).toBe(want.reason);
    expect(rec.inputs.spareKv).toBeCloseTo(want.spareKv, 9);
    if ('spareQueue' in want) expect(rec.inputs.spareQueue).toBeCloseTo(want.spareQueue as number, 9);
  });

  it('the scale-down log example has the documented spares after removal', () => {
    const a = analyzeSaturation(replicas([0.35, 2], [0.4, 2]), SATURATION_DEFAULTS);
    expect(a.spareKvAfterRemoval).toBeCloseTo(0.05, 9);
    expect(a.spareQueueAfterRemoval).toBeCloseTo(1, 9);
    expect(a.scaleDownSafe).toBe(false);
  });

  it('saturated replicas add neither spare nor load to the averages', () => {
    const a = analyzeSaturation(replicas([0.1, 0], [0.1, 0], [0.95, 9]), SATURATION_DEFAULTS);
    expect(a).toMatchObject({ replicas: 3, saturated: 1, unsaturated: 2, spareQueue: 5 });
    expect(a.spareKv).toBeCloseTo(0.7, 9);
    expect(a.spareKvAfterRemoval).toBeCloseTo(0.6, 9);
  });

  it('no scale-up while pods are starting (cascade-scaling prevention)', () => {
    const rec = saturationRecommendation(obs(replicas([0.65, 0], [0.76, 0]), 1), t);
    expect(rec).toMatchObject({ replicas: 3, reason: 'pods-starting' });
  });

  it('no scale-up while replicas asked for are not ready yet, even before their pods exist (WVA pending = current - ready)', () => {
    const rec = saturationRecommendation({ specReplicas: 3, readyReplicas: 2, startingReplicas: 0, load: replicas([0.65, 0], [0.76, 0]) }, t);
    expect(rec).toMatchObject({ replicas: 3, reason: 'pods-starting' });
  });

  it('a scale-down is not held by starting pods', () => {
    const rec = saturationRecommendation(obs(replicas([0.2, 0], [0.2, 0], [0.2, 0]), 1), t);
    expect(rec).toMatchObject({ replicas: 3, reason: 'scale-down-safe' });
  });

  it('no metrics: hold', () => {
    const rec = saturationRecommendation({ specReplicas: 3, readyReplicas: 3, startingReplicas: 0, load: [] }, t);
    expect(rec).toMatchObject({ replicas: 3, reason: 'no-metrics' });
  });

  it('reads a pool\'s own thresholds', () => {
    const strict = saturationThresholds({ kvCacheThreshold: 0.7, queueLengthThreshold: 3, kvSpareTrigger: 0.1, queueSpareTrigger: 1 });
    // KV 0.65 is unsaturated at 0.8 but leaves 0.05 < 0.1 spare at 0.7.
    expect(saturationRecommendation(obs(replicas([0.65, 0], [0.6, 0])), strict)).toMatchObject({ replicas: 3, reason: 'spare-kv-low' });
  });
});
