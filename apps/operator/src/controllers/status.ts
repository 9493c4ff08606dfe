// Status writes: only when the status changes (a write is an event, an event a reconcile), by
// server-side apply of the status subresource; and the status of a spec the schemas refuse.
import type { KubernetesObject } from '@kubernetes/client-node';
import { setCondition } from '@llmd/controller-kit';
import { sameStatus } from './children';
import type { ReconcileContext } from './reconcile-context';

type Conditions = Parameters<typeof setCondition>[0];

export async function writeStatus(ctx: ReconcileContext, raw: KubernetesObject, status: unknown): Promise<void> {
  if (sameStatus((raw as { status?: unknown }).status ?? {}, status)) return;
  await ctx.cluster.applyStatus({ apiVersion: raw.apiVersion, kind: raw.kind, metadata: { name: raw.metadata?.name, namespace: raw.metadata?.namespace }, status } as KubernetesObject);
}

/**
 * An object whose spec does not parse: Ready and Progressing False, Degraded True, all with reason
 * InvalidSpec and the parser's message (it names the field). The rest of the status is kept.
 */
export function invalidSpecStatus(raw: KubernetesObject, message: string, now: Date): Record<string, unknown> {
  const previous = ((raw as { status?: Record<string, unknown> }).status ?? {}) as Record<string, unknown>;
  const generation = raw.metadata?.generation ?? 0;
  let conditions = previous['conditions'] as Conditions;
  conditions = setCondition(conditions, { type: 'Ready', status: 'False', reason: 'InvalidSpec', message }, generation, now);
  conditions = setCondition(conditions, { type: 'Progressing', status: 'False', reason: 'InvalidSpec', message: 'waiting for a valid spec' }, generation, now);
  conditions = setCondition(conditions, { type: 'Degraded', status: 'True', reason: 'InvalidSpec', message }, generation, now);
  return { ...previous, observedGeneration: generation, conditions };
}
