// The policies the autoscaling study compares, each as the simulator's per-pool hook: llmd's three
// (the PoolAutoscaler the autoscaler app runs, unchanged) and two baselines, static provisioning at
// the peak and the HPA on GPU utilization (the HPA's replica formula and behavior from the same lib).
import { behaviorHorizonMs, hpaReplicas, normalize, PoolAutoscaler, poolSample, resolveBehavior, ScalingHistory, type ScalingDecision, type TrafficBin } from '@llmd/autoscaling';
import type { AutoscalingSpec } from '@llmd/crd-types';
import type { CostModel } from '@llmd/gpu-cost';
import type { DesPoolObservation, DesPoolRole, DesPoolScaler } from '../routing/des';

export type PolicyName = 'static-peak' | 'hpa-gpu-util' | 'saturation' | 'slo' | 'predictive';
export const POLICY_NAMES: readonly PolicyName[] = ['static-peak', 'hpa-gpu-util', 'saturation', 'slo', 'predictive'];

/** The HPA baseline's target: mean GPU utilization (busy share of each pod's engine). */
export const HPA_GPU_TARGET = 0.7;

export interface ScalerContext {
  role: DesPoolRole;
  /** The pool's spec (bounds, targets, behavior); the policy field is set per policy. */
  spec: AutoscalingSpec;
  costModel: CostModel;
  /** Replicas of static provisioning at the trace's peak. */
  staticReplicas: number;
  /** Earlier traffic for the predictive policy (its clock: the trace starts at `offsetMs`). */
  history: readonly TrafficBin[];
  /** Added to the simulator's clock for the autoscaler's (the history's days come before the trace). */
  offsetMs: number;
  /** Every decision of llmd's policies, for the report. */
  decisions?: ScalingDecision[];
}

export function makeScaler(policy: PolicyName, ctx: ScalerContext): DesPoolScaler {
  switch (policy) {
    case 'static-peak':
      return { desiredReplicas: () => ctx.staticReplicas };
    case 'hpa-gpu-util':
      return hpaGpuUtil(ctx);
    default:
      return llmd(policy, ctx);
  }
}

/** llmd's PoolAutoscaler: fed the pool's finished requests, its pods' start-ups and its load. */
function llmd(policy: 'saturation' | 'slo' | 'predictive', ctx: ScalerContext): DesPoolScaler {
  const spec: AutoscalingSpec = { ...ctx.spec, policy };
  const autoscaler = new PoolAutoscaler({ spec, role: ctx.role, costModel: ctx.costModel, startMs: ctx.offsetMs });
  if (policy === 'predictive' && ctx.history.length > 0) autoscaler.seed(ctx.history);
  const at = (ms: number) => ms + ctx.offsetMs;
  return {
    desiredReplicas: (obs) => {
      const d = autoscaler.decide({ nowMs: at(obs.nowMs), specReplicas: obs.specReplicas, readyReplicas: obs.readyReplicas, startingReplicas: obs.startingReplicas, load: obs.load });
      ctx.decisions?.push(d);
      if (d.desired !== obs.specReplicas) autoscaler.scaled(at(obs.nowMs), obs.specReplicas, d.desired);
      return d.desired;
    },
    // Each pool's sample as the app takes it (poolSample); the simulator also knows the prefill pod's own cache hits.
    requestFinished: (o) =>
      autoscaler.record(
        poolSample(ctx.role, { endMs: at(o.endMs), ttftMs: o.ttftMs, itlMs: o.itlMs, promptTokens: o.promptTokens, cachedTokens: o.cachedTokens, outputTokens: o.outputTokens, viaPrefill: o.prefillPod !== undefined, prefillCachedTokens: o.prefillCachedTokens }),
      ),
    podReady: (seconds) => autoscaler.observeStartup(seconds),
  };
}

/**
 * The HPA on a GPU-utilization metric (DCGM's GPU_UTIL: the share of time a kernel runs, here the
 * share of the period the pod's engine was stepping), target HPA_GPU_TARGET, the HPA's default
 * behavior. As the HPA does when scaling up, pods not ready yet count at 0% utilization.
 */
function hpaGpuUtil(ctx: ScalerContext): DesPoolScaler {
  const history = new ScalingHistory();
  const behavior = resolveBehavior(ctx.spec.behavior);
  return {
    desiredReplicas: (obs: DesPoolObservation) => {
      const current = obs.specReplicas;
      if (obs.busy.length === 0) return current;
      const sum = obs.busy.reduce((a, b) => a + b, 0);
      const mean = sum / obs.busy.length;
      const pods = mean > HPA_GPU_TARGET ? obs.readyReplicas + obs.startingReplicas : obs.readyReplicas;
      const recommended = hpaReplicas(pods, sum / pods, HPA_GPU_TARGET);
      const { desired } = normalize(history, { nowMs: obs.nowMs, current, recommended, minReplicas: ctx.spec.minReplicas, maxReplicas: ctx.spec.maxReplicas, behavior });
      if (desired !== current) history.scaled(obs.nowMs, current, desired);
      history.prune(obs.nowMs, behaviorHorizonMs(behavior));
      return desired;
    },
  };
}
