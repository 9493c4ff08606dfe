// How llmd's autoscaler sizes one pool: the policy, its bounds, its targets and the rate at which it
// may move (the HPA's `behavior`, field for field). Written once: a pool's `autoscaling` in an
// LLMDeployment and a ServingPool, the autoscaler's own config for pools outside Kubernetes, and the
// decisions in libs/autoscaling all read this shape.
import { z } from 'zod';
import { withRules } from './cel-rules';

/** One rate limit of a scaling direction (autoscaling/v2 HPAScalingPolicy). */
export const scalingRatePolicy = z
  .object({
    type: z.enum(['Pods', 'Percent']).describe('Pods: at most `value` pods per period; Percent: at most `value` percent of the replicas at the start of the period.'),
    value: z.int().min(1).describe('Pods or percent per period; greater than zero.'),
    periodSeconds: z.int().min(1).max(1800).describe('The window the limit applies over, 1 to 1800 seconds.'),
  })
  .strict();
export type ScalingRatePolicy = z.infer<typeof scalingRatePolicy>;

/** One direction's rules (autoscaling/v2 HPAScalingRules). */
export const scalingRules = z
  .object({
    stabilizationWindowSeconds: z
      .int()
      .min(0)
      .max(3600)
      .optional()
      .describe('Recommendations of this window are considered: scale-up takes their lowest, scale-down their highest. Default 0 for scale-up, 300 for scale-down.'),
    selectPolicy: z.enum(['Max', 'Min', 'Disabled']).optional().describe('Which policy limits: the one allowing the most change (Max, default), the least (Min), or no change in this direction (Disabled).'),
    policies: z.array(scalingRatePolicy).optional().describe('Rate limits; default for scale-up: 4 pods or 100% per 15 s, whichever is more; for scale-down: 100% per 15 s.'),
  })
  .strict();
export type ScalingRules = z.infer<typeof scalingRules>;

/** autoscaling/v2 HorizontalPodAutoscalerBehavior, with the HPA's defaults and semantics. */
export const scalingBehavior = z
  .object({
    scaleUp: scalingRules.optional().describe('How fast the pool may grow.'),
    scaleDown: scalingRules.optional().describe('How fast the pool may shrink.'),
  })
  .strict();
export type ScalingBehavior = z.infer<typeof scalingBehavior>;

/** The llm-d workload-variant-autoscaler's saturation thresholds (its capacity-scaling ConfigMap keys). */
export const saturationThresholds = z
  .object({
    kvCacheThreshold: z.number().gt(0).max(1).default(0.8).describe('A replica is saturated at this KV-cache usage or above. Default 0.80 (the scheduler\'s saturation filter uses the same).'),
    queueLengthThreshold: z.int().min(1).default(5).describe('A replica is saturated at this many waiting requests or more. Default 5.'),
    kvSpareTrigger: z.number().gt(0).max(1).default(0.1).describe('Scale up when the mean spare KV capacity of the unsaturated replicas falls below this. Default 0.10.'),
    queueSpareTrigger: z.number().gt(0).default(3).describe('Scale up when their mean spare queue capacity falls below this. Default 3.'),
  })
  .strict();
export type SaturationThresholds = z.infer<typeof saturationThresholds>;

/** Latency targets of a pool (the slo policy, and predictive over it). */
export const sloTargets = z
  .object({
    ttftMs: z.number().gt(0).describe('Time to first token the pool must hold at the percentile (prefill and unified pools).'),
    itlMs: z.number().gt(0).describe('Inter-token latency the pool must hold at the percentile (decode and unified pools).'),
    percentile: z.number().gt(0).lt(100).default(90).describe('The percentile both targets apply to. Default 90.'),
  })
  .strict();
export type SloTargets = z.infer<typeof sloTargets>;

export const predictiveSettings = z
  .object({
    basePolicy: z.enum(['slo', 'saturation']).default('slo').describe('The policy the forecast feeds. Default slo.'),
    seasonSeconds: z.int().min(60).default(86400).describe('Length of the pattern the forecast learns (a day). Default 86400.'),
    leadSeconds: z.int().min(0).optional().describe('How far ahead to provision. Default: the pods\' observed start-up time (startupSeconds until one is observed).'),
  })
  .strict();
export type PredictiveSettings = z.infer<typeof predictiveSettings>;

export const autoscalingSpec = withRules(
  z
    .object({
      policy: z.enum(['saturation', 'slo', 'predictive']).default('saturation').describe('saturation: the workload-variant-autoscaler\'s spare-capacity rules; slo: sized to TTFT and ITL targets from the GPU cost model; predictive: a learned daily pattern and trend, one start-up time ahead, feeding slo or saturation. Default saturation.'),
      minReplicas: z.int().min(0).max(10000).default(1).describe('Fewest pods. 0 only with scaleToZero. Default 1.'),
      maxReplicas: z.int().min(1).max(10000).describe('Most pods.'),
      scaleToZero: z.boolean().default(false).describe('Allow the pool to go to zero pods when it has had no traffic (minReplicas 0). Default false.'),
      startupSeconds: z.int().min(0).max(3600).default(120).describe('Expected pod start-up (scheduling, image, model load) until the autoscaler has observed one. Default 120.'),
      acceleratorType: z.string().min(1).optional().describe('Accelerator label of the wva_desired_replicas gauge (e.g. H100). Default from the GPU product label (nvidia.com/gpu.product and the like) in the pods\' nodeSelector, else "unknown".'),
      costProfile: z.string().min(1).optional().describe('GPU cost table the slo capacity model uses. Default: the one matching the model name.'),
      slo: sloTargets.optional().describe('Latency targets; required by the slo policy and by predictive over slo.'),
      saturation: saturationThresholds.optional().describe('Overrides of the saturation thresholds.'),
      predictive: predictiveSettings.optional().describe('Forecast settings of the predictive policy.'),
      behavior: scalingBehavior.optional().describe('Stabilization windows and rate limits, as an HPA\'s spec.behavior.'),
    })
    .strict(),
  [
    { rule: 'self.minReplicas <= self.maxReplicas', message: 'minReplicas must not exceed maxReplicas', holds: (s) => s.minReplicas <= s.maxReplicas },
    { rule: 'self.minReplicas > 0 || self.scaleToZero', message: 'minReplicas 0 needs scaleToZero: true', holds: (s) => s.minReplicas > 0 || s.scaleToZero },
    {
      rule: "self.policy == 'saturation' || has(self.slo) || (self.policy == 'predictive' && has(self.predictive) && self.predictive.basePolicy == 'saturation')",
      message: 'the slo policy (and predictive over slo) needs slo targets',
      holds: (s) => s.policy === 'saturation' || s.slo !== undefined || (s.policy === 'predictive' && s.predictive?.basePolicy === 'saturation'),
    },
  ],
);
export type AutoscalingSpec = z.infer<typeof autoscalingSpec>;
