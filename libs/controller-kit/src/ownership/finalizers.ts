// Finalizers, added and removed by JSON patch guarded by the object's resourceVersion: another
// controller's finalizers are never overwritten, and a stale copy is re-read and tried again.
import type { KubeConfig, KubernetesObject } from '@kubernetes/client-node';
import { isConflict, isNotFound, KubeApiError } from '../client/api-error';
import { kubeRequest } from '../client/kube-request';
import { pathOf } from '../client/resource-path';

const JSON_PATCH = 'application/json-patch+json';
const ATTEMPTS = 5;

export function hasFinalizer(obj: KubernetesObject, finalizer: string): boolean {
  return obj.metadata?.finalizers?.includes(finalizer) ?? false;
}

/** A failed JSON patch `test` comes back as 422 (as an invalid patch would), a conflicting write as 409. */
function mayBeStale(err: unknown): boolean {
  return isConflict(err) || (err instanceof KubeApiError && err.statusCode === 422);
}

type Patch = { op: string; path: string; value?: unknown }[];

async function patchFresh(kc: KubeConfig, obj: KubernetesObject, build: (current: KubernetesObject) => Patch | undefined): Promise<boolean> {
  const path = await pathOf(kc, obj);
  let current: KubernetesObject = obj;
  for (let attempt = 1; ; attempt++) {
    if (!current.metadata?.resourceVersion) current = await kubeRequest<KubernetesObject>(kc, 'GET', path);
    const ops = build(current);
    if (!ops) return false;
    try {
      await kubeRequest(kc, 'PATCH', path, [{ op: 'test', path: '/metadata/resourceVersion', value: current.metadata?.resourceVersion }, ...ops], { contentType: JSON_PATCH });
      return true;
    } catch (err) {
      if (!mayBeStale(err) || attempt >= ATTEMPTS) throw err;
      const tested = current.metadata?.resourceVersion;
      current = await kubeRequest<KubernetesObject>(kc, 'GET', path);
      // Our copy was current, so the patch itself was refused: retrying would not help.
      if (current.metadata?.resourceVersion === tested) throw err;
    }
  }
}

/** Adds the finalizer unless the object has it; true when it was added. */
export async function ensureFinalizer(kc: KubeConfig, obj: KubernetesObject, finalizer: string): Promise<boolean> {
  return patchFresh(kc, obj, (current) => {
    const list = current.metadata?.finalizers;
    if (list?.includes(finalizer)) return undefined;
    return list ? [{ op: 'add', path: '/metadata/finalizers/-', value: finalizer }] : [{ op: 'add', path: '/metadata/finalizers', value: [finalizer] }];
  });
}

/** Removes the finalizer (every occurrence); an object already gone is fine. */
export async function removeFinalizer(kc: KubeConfig, obj: KubernetesObject, finalizer: string): Promise<void> {
  try {
    await patchFresh(kc, obj, (current) => {
      const list = current.metadata?.finalizers ?? [];
      if (!list.includes(finalizer)) return undefined;
      return [{ op: 'replace', path: '/metadata/finalizers', value: list.filter((f) => f !== finalizer) }];
    });
  } catch (err) {
    if (!isNotFound(err)) throw err;
  }
}
