// ServingPool -> its apps/v1 Deployment (same name, owned by the pool); the pool's status (replicas,
// ready, updated, selector for /scale) from the observed Deployment.
import type { KubernetesObject } from '@kubernetes/client-node';
import type { ObjectKey, Reconciler } from '@llmd/controller-kit';
import { desiredServingPool, parseServingPool, servingPoolStatus } from '@llmd/manifests';
import { controlledBy } from './children';
import type { ReconcileContext } from './reconcile-context';
import { invalidSpecStatus, writeStatus } from './status';

export function servingPoolReconciler(ctx: ReconcileContext): Reconciler {
  return async ({ namespace, name }: ObjectKey) => {
    const raw = ctx.store.get('ServingPool', namespace, name);
    // Being deleted: the garbage collector takes its Deployment; applying it again would bring it back.
    if (!raw || raw.metadata?.deletionTimestamp) return;
    const parsed = parseServingPool(raw);
    if (!parsed.ok) {
      await writeStatus(ctx, raw, invalidSpecStatus(raw, parsed.message, ctx.now()));
      return;
    }
    await ctx.cluster.apply(desiredServingPool(parsed.value) as KubernetesObject);
    const [observed] = controlledBy(raw.metadata?.uid, [ctx.store.get('Deployment', namespace, name)].filter((d): d is KubernetesObject => d !== undefined));
    await writeStatus(ctx, raw, servingPoolStatus(parsed.value, observed as Parameters<typeof servingPoolStatus>[1], ctx.now()));
  };
}
