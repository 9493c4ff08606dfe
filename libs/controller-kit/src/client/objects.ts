// Reading and deleting one object by its apiVersion, kind, name and namespace (for what the informer
// caches do not hold, and for cleanup), through discovery like apply.
import type { KubeConfig, KubernetesObject } from '@kubernetes/client-node';
import { isNotFound } from './api-error';
import { kubeRequest } from './kube-request';
import { pathOf } from './resource-path';

/** The object as stored, or undefined when there is none. */
export async function getObject<T extends KubernetesObject = KubernetesObject>(kc: KubeConfig, ref: KubernetesObject): Promise<T | undefined> {
  try {
    return await kubeRequest<T>(kc, 'GET', await pathOf(kc, ref));
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw err;
  }
}

/** Deletes the object; true when it existed. @default propagationPolicy 'Background' */
export async function deleteObject(kc: KubeConfig, ref: KubernetesObject, opts: { propagationPolicy?: 'Foreground' | 'Background' | 'Orphan' } = {}): Promise<boolean> {
  try {
    await kubeRequest(kc, 'DELETE', await pathOf(kc, ref), { apiVersion: 'v1', kind: 'DeleteOptions', propagationPolicy: opts.propagationPolicy ?? 'Background' });
    return true;
  } catch (err) {
    if (isNotFound(err)) return false;
    throw err;
  }
}
