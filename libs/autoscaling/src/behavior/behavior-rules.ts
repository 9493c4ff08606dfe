// The HPA's `behavior` with its defaults filled in, field by field, as the API server defaults an
// autoscaling/v2 HorizontalPodAutoscaler (a direction given with only a window keeps the default policies).
import type { ScalingBehavior, ScalingRatePolicy, ScalingRules } from '@llmd/crd-types';

/** One direction's rules with every field set. */
export interface ResolvedScalingRules {
  stabilizationWindowSeconds: number;
  selectPolicy: 'Max' | 'Min' | 'Disabled';
  policies: readonly ScalingRatePolicy[];
}

/** Both directions' rules with every field set. */
export interface ResolvedBehavior {
  scaleUp: ResolvedScalingRules;
  scaleDown: ResolvedScalingRules;
}

/** The HPA's default scale-up: no window, 4 pods or 100% per 15 s, whichever allows more. */
export const DEFAULT_SCALE_UP: ResolvedScalingRules = {
  stabilizationWindowSeconds: 0,
  selectPolicy: 'Max',
  policies: [
    { type: 'Pods', value: 4, periodSeconds: 15 },
    { type: 'Percent', value: 100, periodSeconds: 15 },
  ],
};

/** The HPA's default scale-down: a 300 s window, 100% per 15 s. */
export const DEFAULT_SCALE_DOWN: ResolvedScalingRules = {
  stabilizationWindowSeconds: 300,
  selectPolicy: 'Max',
  policies: [{ type: 'Percent', value: 100, periodSeconds: 15 }],
};

function resolveRules(rules: ScalingRules | undefined, defaults: ResolvedScalingRules): ResolvedScalingRules {
  return {
    stabilizationWindowSeconds: rules?.stabilizationWindowSeconds ?? defaults.stabilizationWindowSeconds,
    selectPolicy: rules?.selectPolicy ?? defaults.selectPolicy,
    policies: rules?.policies && rules.policies.length > 0 ? rules.policies : defaults.policies,
  };
}

/** A pool's behavior with the HPA's defaults applied to every missing field. */
export function resolveBehavior(behavior: ScalingBehavior | undefined): ResolvedBehavior {
  return { scaleUp: resolveRules(behavior?.scaleUp, DEFAULT_SCALE_UP), scaleDown: resolveRules(behavior?.scaleDown, DEFAULT_SCALE_DOWN) };
}

/** The longest time any rule looks back (how much history to keep), in ms. */
export function behaviorHorizonMs(b: ResolvedBehavior): number {
  const periods = [...b.scaleUp.policies, ...b.scaleDown.policies].map((p) => p.periodSeconds);
  return Math.max(b.scaleUp.stabilizationWindowSeconds, b.scaleDown.stabilizationWindowSeconds, ...periods) * 1000;
}
