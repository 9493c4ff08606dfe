// metav1.Condition lists: one entry per type, lastTransitionTime moving only when the status does.

export type ConditionStatus = 'True' | 'False' | 'Unknown';

export interface Condition {
  type: string;
  status: ConditionStatus;
  observedGeneration?: number;
  /** RFC 3339, whole seconds (as metav1.Time serializes). */
  lastTransitionTime: string;
  reason: string;
  message: string;
}

export interface ConditionInput {
  type: string;
  status: ConditionStatus;
  reason: string;
  message: string;
}

/** RFC 3339 at whole seconds, as the apiserver stores metav1.Time. */
export function rfc3339(now: Date): string {
  return now.toISOString().replace(/\.\d+Z$/, 'Z');
}

/**
 * The list with `c` set (pure; the input is not changed). An existing condition of the type keeps its
 * lastTransitionTime when its status is unchanged; reason, message and observedGeneration are updated.
 */
export function setCondition(conditions: Condition[] | undefined, c: ConditionInput, observedGeneration: number, now: Date): Condition[] {
  const list = conditions ?? [];
  const existing = list.find((x) => x.type === c.type);
  const next: Condition = {
    type: c.type,
    status: c.status,
    observedGeneration,
    lastTransitionTime: existing && existing.status === c.status ? existing.lastTransitionTime : rfc3339(now),
    reason: c.reason,
    message: c.message,
  };
  return existing ? list.map((x) => (x === existing ? next : { ...x })) : [...list.map((x) => ({ ...x })), next];
}

export function getCondition(conditions: Condition[] | undefined, type: string): Condition | undefined {
  return conditions?.find((c) => c.type === type);
}

export function isConditionTrue(conditions: Condition[] | undefined, type: string): boolean {
  return getCondition(conditions, type)?.status === 'True';
}

/** The list without the condition of that type (pure). */
export function removeCondition(conditions: Condition[] | undefined, type: string): Condition[] {
  return (conditions ?? []).filter((c) => c.type !== type).map((c) => ({ ...c }));
}
