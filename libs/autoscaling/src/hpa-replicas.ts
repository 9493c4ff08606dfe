// The Kubernetes HPA's replica formula, for the bench's HPA baseline and for reference.

/**
 * The HPA's desired replicas for one metric: ceil(current × metric / target), unless the ratio is
 * within `tolerance` of 1, in which case the count stays (the HPA's tolerance band).
 * @param tolerance relative band around 1 with no change. @default 0.1
 */
export function hpaReplicas(current: number, metric: number, target: number, tolerance = 0.1): number {
  if (!Number.isInteger(current) || current < 0) throw new RangeError(`current must be an integer >= 0, got ${current}`);
  if (!(target > 0)) throw new RangeError(`target must be > 0, got ${target}`);
  if (!(metric >= 0)) throw new RangeError(`metric must be >= 0, got ${metric}`);
  if (!(tolerance >= 0)) throw new RangeError(`tolerance must be >= 0, got ${tolerance}`);
  const ratio = metric / target;
  if (Math.abs(1 - ratio) <= tolerance) return current;
  return Math.ceil(current * ratio);
}
