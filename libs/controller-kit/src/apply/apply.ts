// Server-side apply under llmd's one field manager: the apiserver merges what we declare and records
// which fields we own, so fields set by others (an HPA's replicas, a kubelet's status) are left alone.
import type { KubeConfig, KubernetesObject } from '@kubernetes/client-node';
import { kubeRequest } from '../client/kube-request';
import { pathOf } from '../client/resource-path';

export const FIELD_MANAGER = 'llmd-operator';

const APPLY_PATCH = 'application/apply-patch+yaml';

export interface ApplyOptions {
  /** @default FIELD_MANAGER */
  fieldManager?: string;
  /** Take over fields another manager owns instead of failing with a conflict. @default true */
  force?: boolean;
  /** Validate and return the result without persisting it. @default false */
  dryRun?: boolean;
}

/** The body to apply: the caller's object without managedFields (which apply must not carry). */
function applyBody(obj: KubernetesObject): KubernetesObject {
  if (!obj.metadata?.managedFields) return obj;
  const { managedFields: _dropped, ...metadata } = obj.metadata;
  return { ...obj, metadata };
}

/** Creates or updates obj by server-side apply; returns the object as stored. */
export async function apply(kc: KubeConfig, obj: KubernetesObject, opts: ApplyOptions = {}): Promise<KubernetesObject> {
  const path = await pathOf(kc, obj);
  return kubeRequest<KubernetesObject>(kc, 'PATCH', path, applyBody(obj), {
    contentType: APPLY_PATCH,
    query: { fieldManager: opts.fieldManager ?? FIELD_MANAGER, force: opts.force ?? true, dryRun: opts.dryRun ? 'All' : undefined },
  });
}

/**
 * Server-side apply of obj.status on the /status subresource (the object must exist). Only apiVersion,
 * kind, name, namespace and status are sent.
 */
export async function applyStatus(kc: KubeConfig, obj: KubernetesObject & { status?: unknown }, opts: { fieldManager?: string; force?: boolean } = {}): Promise<KubernetesObject> {
  const path = await pathOf(kc, obj, 'status');
  const body = { apiVersion: obj.apiVersion, kind: obj.kind, metadata: { name: obj.metadata?.name, namespace: obj.metadata?.namespace }, status: obj.status ?? {} };
  return kubeRequest<KubernetesObject>(kc, 'PATCH', path, body, {
    contentType: APPLY_PATCH,
    query: { fieldManager: opts.fieldManager ?? FIELD_MANAGER, force: opts.force ?? true },
  });
}
