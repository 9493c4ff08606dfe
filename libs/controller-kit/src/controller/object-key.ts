// What a reconcile is about: a namespace and a name, never the event that brought it.
import type { KubernetesObject } from '@kubernetes/client-node';

export interface ObjectKey {
  /** '' for a cluster-scoped object. */
  namespace: string;
  name: string;
}

export function objectKey(obj: KubernetesObject): ObjectKey {
  return { namespace: obj.metadata?.namespace ?? '', name: obj.metadata?.name ?? '' };
}

/** `namespace/name`, or `name` for a cluster-scoped object (as client-go's MetaNamespaceKeyFunc). */
export function keyString(key: ObjectKey): string {
  return key.namespace ? `${key.namespace}/${key.name}` : key.name;
}

export function parseKey(key: string): ObjectKey {
  const slash = key.indexOf('/');
  return slash < 0 ? { namespace: '', name: key } : { namespace: key.slice(0, slash), name: key.slice(slash + 1) };
}
