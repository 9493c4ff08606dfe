// LLMDeployment -> its ServingPools, model Service and InferencePool. Reads the deployment, the
// policies it names and its pools from the cache; the objects, the replica writes and the status are
// decided by @llmd/manifests; this applies them, prunes children no longer desired, and on deletion
// waits for its children to be gone before it releases the finalizer.
import type { KubernetesObject } from '@kubernetes/client-node';
import type { ObjectKey, Reconciler, ReconcileResult } from '@llmd/controller-kit';
import {
  desiredLLMDeployment,
  llmDeploymentStatus,
  parseCachePolicy,
  parseInferenceGateway,
  parseLLMDeployment,
  parseSchedulingPolicy,
  parseServingPool,
  Parsed,
  Problem,
} from '@llmd/manifests';
import { RESOURCES, SERVING_POOLS } from '../kube/resources';
import { controlledBy, replicasNeedHandOver, strayChildren } from './children';
import { invalidSpecStatus, writeStatus } from './status';
import { gatewaysListing } from './references';
import { CLEANUP_FINALIZER, ReconcileContext } from './reconcile-context';

/** The kinds an LLMDeployment owns directly (its pools own their Deployments). */
export const LLM_DEPLOYMENT_CHILDREN = ['ServingPool', 'Service', 'ConfigMap', 'InferencePool'] as const;

/** While children are still being deleted, look again this soon (their delete events also wake it). */
const CLEANUP_POLL_MS = 2000;

export function llmDeploymentReconciler(ctx: ReconcileContext): Reconciler {
  return async ({ namespace, name }: ObjectKey): Promise<ReconcileResult | void> => {
    const raw = ctx.store.get('LLMDeployment', namespace, name);
    if (!raw) return;
    if (raw.metadata?.deletionTimestamp) return finalize(ctx, raw);

    const parsed = parseLLMDeployment(raw);
    if (!parsed.ok) {
      // A terminal problem of the spec: a condition, not a retry; the next edit brings it back.
      ctx.logger.info({ namespace, name, reason: parsed.message }, 'LLMDeployment spec refused');
      await writeStatus(ctx, raw, invalidSpecStatus(raw, parsed.message, ctx.now()));
      return;
    }
    await ctx.cluster.ensureFinalizer(raw, CLEANUP_FINALIZER);

    const deployment = parsed.value;
    const problems: Problem[] = [];
    const refs = (raw as { spec?: { schedulingPolicyRef?: { name: string }; cachePolicyRef?: { name: string } } }).spec ?? {};
    const schedulingPolicy = resolve(ctx, 'SchedulingPolicy', namespace, refs.schedulingPolicyRef?.name, parseSchedulingPolicy, problems);
    const cachePolicy = resolve(ctx, 'CachePolicy', namespace, refs.cachePolicyRef?.name, parseCachePolicy, problems);
    const gatewayRaw = gatewaysListing(ctx.store, namespace, name).find((g) => !g.metadata?.deletionTimestamp);
    const gatewayParsed = gatewayRaw ? parseInferenceGateway(gatewayRaw) : undefined;
    const gateway = gatewayParsed?.ok ? gatewayParsed.value : undefined;

    const controlledPools = controlledBy(raw.metadata?.uid, ctx.store.list('ServingPool', namespace));
    const existingPools = controlledPools.map((p) => parseServingPool(p)).flatMap((p) => (p.ok ? [p.value] : []));

    const out = desiredLLMDeployment(ctx.render(namespace), { deployment, schedulingPolicy, cachePolicy, gateway, existingPools });
    problems.push(...out.problems);

    // Replicas first, the annotation that records them (in the pool's apply) second: killed in
    // between, the next reconcile still sees the change to make.
    for (const s of out.scale) await ctx.cluster.scale(SERVING_POOLS, namespace, s.pool, s.replicas);

    for (const pool of controlledPools) {
      if (replicasNeedHandOver(pool)) await ctx.cluster.handOverReplicas(pool, (pool as { spec?: { replicas?: number } }).spec?.replicas ?? 0);
    }
    for (const obj of out.objects) {
      const applied = await ctx.cluster.apply(obj as KubernetesObject);
      if (applied.kind === 'ServingPool' && replicasNeedHandOver(applied)) {
        await ctx.cluster.handOverReplicas(applied, (applied as { spec?: { replicas?: number } }).spec?.replicas ?? 0);
      }
    }

    // A blocking problem rendered nothing: the children stay as they are until it is fixed.
    const blocked = problems.some((p) => p.blocking);
    const controlled = blocked ? [] : LLM_DEPLOYMENT_CHILDREN.flatMap((kind) => controlledBy(raw.metadata?.uid, ctx.store.list(kind, namespace)));
    for (const stray of strayChildren(out.objects as KubernetesObject[], controlled)) {
      ctx.logger.info({ namespace, name, child: `${stray.kind}/${stray.metadata?.name}` }, 'pruning a child no longer desired');
      // Foreground: a pruned pool stays (terminating) until its pods are gone, so the finalizer's wait covers it too.
      await ctx.cluster.remove(RESOURCES[stray.kind as keyof typeof RESOURCES], stray, 'Foreground');
    }

    const pools = controlledBy(raw.metadata?.uid, ctx.store.list('ServingPool', namespace)).map((p) => parseServingPool(p)).flatMap((p) => (p.ok ? [p.value] : []));
    await writeStatus(ctx, raw, llmDeploymentStatus(deployment, pools, problems, ctx.now()));
  };
}

/** A referenced policy, parsed; a missing one is left to manifests to report, an invalid one is a blocking problem here. */
function resolve<T>(ctx: ReconcileContext, kind: 'SchedulingPolicy' | 'CachePolicy', namespace: string, name: string | undefined, parse: (o: unknown) => Parsed<T>, problems: Problem[]): T | undefined {
  if (!name) return undefined;
  const raw = ctx.store.get(kind, namespace, name);
  if (!raw) return undefined;
  const parsed = parse(raw);
  if (parsed.ok) return parsed.value;
  problems.push({ reason: 'InvalidPolicy', message: `${kind} ${name} is invalid: ${parsed.message}`, blocking: true });
  return undefined;
}

/**
 * Deletion: children are deleted in the foreground (a pool goes only after its Deployment and pods),
 * and the finalizer is released once none is left, so a deleted LLMDeployment has freed its GPUs and a
 * new one of the same name meets no terminating leftovers.
 */
async function finalize(ctx: ReconcileContext, raw: KubernetesObject): Promise<ReconcileResult | void> {
  if (!(raw.metadata?.finalizers ?? []).includes(CLEANUP_FINALIZER)) return;
  const namespace = raw.metadata?.namespace ?? '';
  const children = LLM_DEPLOYMENT_CHILDREN.flatMap((kind) => controlledBy(raw.metadata?.uid, ctx.store.list(kind, namespace)));
  for (const child of children) {
    if (!child.metadata?.deletionTimestamp) await ctx.cluster.remove(RESOURCES[child.kind as keyof typeof RESOURCES], child, 'Foreground');
  }
  if (children.length > 0) return { requeueAfterMs: CLEANUP_POLL_MS };
  await ctx.cluster.removeFinalizer(raw, CLEANUP_FINALIZER);
  ctx.logger.info({ namespace, name: raw.metadata?.name }, 'LLMDeployment cleaned up');
}
