// SchedulingPolicy and CachePolicy status: whether the operator accepts the spec, for the generation it
// read (Ready=True Valid, or Ready=False InvalidSpec with the parser's message naming the field). What
// a policy does is rendered through the LLMDeployments and InferenceGateways using it.
import type { KubernetesObject } from '@kubernetes/client-node';
import { setCondition, type ObjectKey, type Reconciler } from '@llmd/controller-kit';
import { parseCachePolicy, parseSchedulingPolicy } from '@llmd/manifests';
import type { ReconcileContext } from './reconcile-context';
import { writeStatus } from './status';

type Conditions = Parameters<typeof setCondition>[0];

const PARSERS = { SchedulingPolicy: parseSchedulingPolicy, CachePolicy: parseCachePolicy } as const;

/** The status of a policy: pure. */
export function policyStatus(raw: KubernetesObject, problem: string | undefined, now: Date): { observedGeneration: number; conditions: Conditions } {
  const generation = raw.metadata?.generation ?? 0;
  const previous = (raw as { status?: { conditions?: Conditions } }).status?.conditions;
  const ready = problem
    ? { type: 'Ready', status: 'False' as const, reason: 'InvalidSpec', message: problem }
    : { type: 'Ready', status: 'True' as const, reason: 'Valid', message: 'the spec is valid' };
  return { observedGeneration: generation, conditions: setCondition(previous, ready, generation, now) };
}

export function policyReconciler(ctx: ReconcileContext, kind: keyof typeof PARSERS): Reconciler {
  return async ({ namespace, name }: ObjectKey) => {
    const raw = ctx.store.get(kind, namespace, name);
    if (!raw || raw.metadata?.deletionTimestamp) return;
    const parsed = PARSERS[kind](raw);
    await writeStatus(ctx, raw, policyStatus(raw, parsed.ok ? undefined : parsed.message, ctx.now()));
  };
}
