// InferenceGateway -> the gateway, scheduler and cache-manager Deployments, their Services and
// ConfigMaps (rendered by @llmd/manifests from the gateway, the deployments it lists and their
// policies); children no longer desired are pruned; status from the observed Deployments.
import type { KubernetesObject } from '@kubernetes/client-node';
import type { ObjectKey, Reconciler } from '@llmd/controller-kit';
import { desiredInferenceGateway, inferenceGatewayStatus, parseCachePolicy, parseInferenceGateway, parseLLMDeployment, parseSchedulingPolicy, Problem } from '@llmd/manifests';
import { RESOURCES } from '../kube/resources';
import { controlledBy, strayChildren } from './children';
import { gatewayDeployments } from './references';
import type { ReconcileContext } from './reconcile-context';
import { invalidSpecStatus, writeStatus } from './status';

export const INFERENCE_GATEWAY_CHILDREN = ['Deployment', 'Service', 'ConfigMap'] as const;

export function inferenceGatewayReconciler(ctx: ReconcileContext): Reconciler {
  return async ({ namespace, name }: ObjectKey) => {
    const raw = ctx.store.get('InferenceGateway', namespace, name);
    // Deletion relies on owner references alone: nothing of a gateway outlives it by design.
    if (!raw || raw.metadata?.deletionTimestamp) return;
    const parsed = parseInferenceGateway(raw);
    if (!parsed.ok) {
      await writeStatus(ctx, raw, invalidSpecStatus(raw, parsed.message, ctx.now()));
      return;
    }
    const problems: Problem[] = [];
    const deployments = gatewayDeployments(raw).flatMap((d) => {
      const obj = ctx.store.get('LLMDeployment', namespace, d);
      if (!obj || obj.metadata?.deletionTimestamp) return [];
      const p = parseLLMDeployment(obj);
      if (!p.ok) problems.push({ reason: 'InvalidLLMDeployment', message: `LLMDeployment ${d} is invalid: ${p.message}` });
      return p.ok ? [p.value] : [];
    });
    // The gateway's own SchedulingPolicy, else the first listed deployment's; cache-manager serves every
    // listed deployment: the first CachePolicy among them sets its config.
    const listedRef = (field: 'schedulingPolicyRef' | 'cachePolicyRef') =>
      deployments.map((d) => d.spec[field]?.name).find((n): n is string => Boolean(n));
    const policyName = (raw as { spec?: { schedulingPolicyRef?: { name: string } } }).spec?.schedulingPolicyRef?.name ?? listedRef('schedulingPolicyRef');
    const policyRaw = policyName ? ctx.store.get('SchedulingPolicy', namespace, policyName) : undefined;
    const policy = policyRaw ? parseSchedulingPolicy(policyRaw) : undefined;
    if (policy && !policy.ok) problems.push({ reason: 'InvalidPolicy', message: `SchedulingPolicy ${policyName} is invalid: ${policy.message}`, blocking: true });
    const cacheName = listedRef('cachePolicyRef');
    const cacheRaw = cacheName ? ctx.store.get('CachePolicy', namespace, cacheName) : undefined;
    const cache = cacheRaw ? parseCachePolicy(cacheRaw) : undefined;
    if (cache && !cache.ok) problems.push({ reason: 'InvalidPolicy', message: `CachePolicy ${cacheName} is invalid: ${cache.message}`, blocking: true });

    const out = desiredInferenceGateway(ctx.render(namespace), {
      gateway: parsed.value,
      deployments,
      schedulingPolicy: policy?.ok ? policy.value : undefined,
      cachePolicy: cache?.ok ? cache.value : undefined,
    });
    problems.push(...out.problems);
    for (const obj of out.objects) await ctx.cluster.apply(obj as KubernetesObject);

    const blocked = problems.some((p) => p.blocking);
    const controlled = blocked ? [] : INFERENCE_GATEWAY_CHILDREN.flatMap((kind) => controlledBy(raw.metadata?.uid, ctx.store.list(kind, namespace)));
    for (const stray of strayChildren(out.objects as KubernetesObject[], controlled)) {
      await ctx.cluster.remove(RESOURCES[stray.kind as keyof typeof RESOURCES], stray, 'Background');
    }
    const observed = controlledBy(raw.metadata?.uid, ctx.store.list('Deployment', namespace));
    await writeStatus(ctx, raw, inferenceGatewayStatus(parsed.value, observed as Parameters<typeof inferenceGatewayStatus>[1], problems, ctx.now()));
  };
}
