// Pure helpers over an owner's children: which observed objects it controls, which of them are no
// longer desired (pruned), whether a pool's replicas still belong to the operator's apply, and whether
// a status write would change anything.
import type { KubernetesObject } from '@kubernetes/client-node';
import { FIELD_MANAGER } from '@llmd/controller-kit';

/** The observed objects whose controller owner reference is the owner with this uid. */
export function controlledBy(uid: string | undefined, objects: KubernetesObject[]): KubernetesObject[] {
  if (!uid) return [];
  return objects.filter((o) => (o.metadata?.ownerReferences ?? []).some((r) => r.controller && r.uid === uid));
}

const identity = (o: KubernetesObject) => `${o.kind}/${o.metadata?.name}`;

/** Children the owner controls that its desired objects no longer include (e.g. the unified pool after a switch to disaggregated). */
export function strayChildren(desired: KubernetesObject[], controlled: KubernetesObject[]): KubernetesObject[] {
  const wanted = new Set(desired.map(identity));
  return controlled.filter((o) => !wanted.has(identity(o)) && !o.metadata?.deletionTimestamp);
}

interface FieldsV1 {
  [key: string]: FieldsV1 | undefined;
}

/**
 * True when the operator's own apply is the only manager of spec.replicas: the state right after it
 * created the pool. Its next apply omits replicas and would delete them, so they are handed over first.
 */
export function replicasNeedHandOver(pool: KubernetesObject): boolean {
  const owners = (pool.metadata?.managedFields ?? []).filter((m) => (m.fieldsV1 as FieldsV1 | undefined)?.['f:spec']?.['f:replicas'] !== undefined);
  return owners.length > 0 && owners.every((m) => m.manager === FIELD_MANAGER && m.operation === 'Apply' && !m.subresource);
}

/** Status equality that ignores condition timestamps' formatting and key order. */
export function sameStatus(a: unknown, b: unknown): boolean {
  return canonical(a) === canonical(b);
}

function canonical(v: unknown): string {
  return JSON.stringify(v, (_k, value: unknown) =>
    value && typeof value === 'object' && !Array.isArray(value)
      ? Object.fromEntries(Object.entries(value as Record<string, unknown>).filter(([, x]) => x !== undefined).sort(([x], [y]) => x.localeCompare(y)))
      : value instanceof Date
        ? value.toISOString()
        : value,
  );
}
