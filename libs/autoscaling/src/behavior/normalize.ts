// The HPA's normalizeDesiredReplicasWithBehaviors: the policy's recommendation stabilized over the
// windows (scale-up takes the lowest of the up-window, scale-down the highest of the down-window),
// then bounded by the rate limits of scale events within each policy's period and by min/max.
import type { LimitReason } from '../types';
import type { ResolvedBehavior, ResolvedScalingRules } from './behavior-rules';
import { changeInPeriod, type ScaleEvent, type ScalingHistory } from './scaling-history';

/** The inputs of one normalization. */
export interface NormalizeArgs {
  nowMs: number;
  current: number;
  recommended: number;
  minReplicas: number;
  maxReplicas: number;
  behavior: ResolvedBehavior;
}

/** The replicas to write and the constraint that bound them, if any. */
export interface Normalized {
  desired: number;
  limitedBy?: LimitReason;
}

/** Stabilizes `recommended` against the history (which it then records), as the HPA does. */
export function stabilize(history: ScalingHistory, args: Pick<NormalizeArgs, 'nowMs' | 'current' | 'recommended' | 'behavior'>): number {
  const upCutoff = args.nowMs - args.behavior.scaleUp.stabilizationWindowSeconds * 1000;
  const downCutoff = args.nowMs - args.behavior.scaleDown.stabilizationWindowSeconds * 1000;
  let up = args.recommended;
  let down = args.recommended;
  for (const r of history.recommendations) {
    if (r.atMs > upCutoff) up = Math.min(up, r.replicas);
    if (r.atMs > downCutoff) down = Math.max(down, r.replicas);
  }
  history.recommend(args.nowMs, args.recommended);
  return Math.min(Math.max(args.current, up), down);
}

/** The most replicas scale-up rules allow now (calculateScaleUpLimitWithScalingRules). */
export function scaleUpLimit(current: number, ups: readonly ScaleEvent[], downs: readonly ScaleEvent[], rules: ResolvedScalingRules, nowMs: number): number {
  if (rules.selectPolicy === 'Disabled') return current;
  const pick = rules.selectPolicy === 'Min' ? Math.min : Math.max;
  let result = rules.selectPolicy === 'Min' ? Number.MAX_SAFE_INTEGER : Number.MIN_SAFE_INTEGER;
  for (const p of rules.policies) {
    const start = current - changeInPeriod(ups, nowMs, p.periodSeconds) + changeInPeriod(downs, nowMs, p.periodSeconds);
    const proposed = p.type === 'Pods' ? start + p.value : Math.ceil(start * (1 + p.value / 100));
    result = pick(result, proposed);
  }
  return result;
}

/** The fewest replicas scale-down rules allow now (calculateScaleDownLimitWithBehaviors). */
export function scaleDownLimit(current: number, ups: readonly ScaleEvent[], downs: readonly ScaleEvent[], rules: ResolvedScalingRules, nowMs: number): number {
  if (rules.selectPolicy === 'Disabled') return current;
  const pick = rules.selectPolicy === 'Min' ? Math.max : Math.min;
  let result = rules.selectPolicy === 'Min' ? Number.MIN_SAFE_INTEGER : Number.MAX_SAFE_INTEGER;
  for (const p of rules.policies) {
    const start = current - changeInPeriod(ups, nowMs, p.periodSeconds) + changeInPeriod(downs, nowMs, p.periodSeconds);
    const proposed = p.type === 'Pods' ? start - p.value : Math.trunc(start * (1 - p.value / 100));
    result = pick(result, proposed);
  }
  return result;
}

/**
 * The desired replicas: current outside [min, max] goes straight to the bound (as the HPA does);
 * otherwise the recommendation is stabilized, then limited by rate and bounds in its direction.
 */
export function normalize(history: ScalingHistory, args: NormalizeArgs): Normalized {
  const { nowMs, current, recommended, minReplicas, maxReplicas, behavior } = args;
  if (current > maxReplicas) return { desired: maxReplicas, limitedBy: 'maxReplicas' };
  if (current < minReplicas) return { desired: minReplicas, limitedBy: 'minReplicas' };
  const stabilized = stabilize(history, args);
  let limitedBy: LimitReason | undefined;
  if (stabilized !== recommended) limitedBy = recommended > current ? 'scaleUpStabilization' : 'scaleDownStabilization';
  if (stabilized > current) {
    const rate = Math.max(current, scaleUpLimit(current, history.scaleUps, history.scaleDowns, behavior.scaleUp, nowMs));
    const allowed = Math.min(maxReplicas, rate);
    if (stabilized > allowed) {
      const byRate = maxReplicas > rate;
      return { desired: allowed, limitedBy: byRate ? (behavior.scaleUp.selectPolicy === 'Disabled' ? 'scaleUpDisabled' : 'scaleUpRate') : 'maxReplicas' };
    }
  } else if (stabilized < current) {
    const rate = Math.min(current, scaleDownLimit(current, history.scaleUps, history.scaleDowns, behavior.scaleDown, nowMs));
    const allowed = Math.max(minReplicas, rate);
    if (stabilized < allowed) {
      const byRate = minReplicas < rate;
      return { desired: allowed, limitedBy: byRate ? (behavior.scaleDown.selectPolicy === 'Disabled' ? 'scaleDownDisabled' : 'scaleDownRate') : 'minReplicas' };
    }
  }
  return { desired: stabilized, limitedBy };
}
