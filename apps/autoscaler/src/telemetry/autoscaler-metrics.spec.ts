import { Registry } from '@llmd/platform';
import type { ScalingDecisionRecord } from '@llmd/telemetry';
import { AutoscalerMetrics } from './autoscaler-metrics';

const d = (over: Partial<ScalingDecisionRecord> = {}): ScalingDecisionRecord => ({
  namespace: 'prod', pool: 'decode', model: 'm', role: 'decode', policy: 'saturation', currentReplicas: 2, recommendedReplicas: 4, desiredReplicas: 3, readyReplicas: 2, startingReplicas: 0,
  reason: 'spare-kv-low', message: '', limitedBy: 'maxReplicas', inputs: {}, timestampUnixMs: 0, applied: true, ...over,
});

describe('AutoscalerMetrics', () => {
  it('exports a decision with WVA\'s names and labels, and forgets it', async () => {
    const registry = new Registry();
    const metrics = new AutoscalerMetrics(registry);
    metrics.decision(d(), 'H100');
    const text = await registry.metrics();
    const wva = 'variant_name="decode",namespace="prod",accelerator_type="H100"';
    expect(text).toContain(`wva_desired_replicas{${wva}} 3`);
    expect(text).toContain(`wva_current_replicas{${wva}} 2`);
    expect(text).toContain(`wva_desired_ratio{${wva}} 1.5`);
    expect(text).toContain('wva_replica_scaling_total{variant_name="decode",namespace="prod",direction="up",reason="spare-kv-low",accelerator_type="H100"} 1');
    expect(text).toContain('wva_decisions_limited_total{variant_name="decode",namespace="prod",limiter_name="maxReplicas"} 1');
    expect(text).toContain('llmd_autoscaler_decisions_total{namespace="prod",pool="decode",reason="spare-kv-low",applied="true"} 1');
    metrics.forgetPools();
    expect(await registry.metrics()).not.toContain('wva_desired_replicas{');
  });
});
