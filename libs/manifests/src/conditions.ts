// metav1.Condition lists, pure: a condition keeps its lastTransitionTime while its status holds.
import type { Condition } from './types';

export interface ConditionInput {
  type: string;
  status: 'True' | 'False' | 'Unknown';
  reason: string;
  message: string;
}

export function mergeConditions(previous: Condition[] | undefined, next: ConditionInput[], observedGeneration: number | undefined, now: Date): Condition[] {
  return next.map((c) => {
    const old = previous?.find((p) => p.type === c.type);
    const lastTransitionTime = old && old.status === c.status ? old.lastTransitionTime : now.toISOString().replace(/\.\d{3}Z$/, 'Z');
    return { ...c, ...(observedGeneration !== undefined ? { observedGeneration } : {}), lastTransitionTime };
  });
}

export function findCondition(conditions: Condition[] | undefined, type: string): Condition | undefined {
  return conditions?.find((c) => c.type === type);
}
