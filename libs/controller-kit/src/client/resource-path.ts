// REST paths of Kubernetes resources: from a ResourceRef directly, or from an object's apiVersion and
// kind through the apiserver's discovery (cached per KubeConfig, refreshed once when a kind is new).
import type { KubeConfig, KubernetesObject } from '@kubernetes/client-node';
import { kubeRequest } from './kube-request';

export interface ResourceRef {
  /** '' for the core group. */
  group: string;
  version: string;
  plural: string;
  kind: string;
  /** @default true */
  namespaced?: boolean;
}

export function apiVersionOf(ref: Pick<ResourceRef, 'group' | 'version'>): string {
  return ref.group ? `${ref.group}/${ref.version}` : ref.version;
}

function groupVersionPath(apiVersion: string): string {
  return apiVersion.includes('/') ? `/apis/${apiVersion}` : `/api/${apiVersion}`;
}

/** The collection path: all namespaces when `namespace` is undefined (or the resource is cluster-scoped). */
export function collectionPath(ref: ResourceRef, namespace?: string): string {
  const ns = ref.namespaced !== false && namespace ? `/namespaces/${encodeURIComponent(namespace)}` : '';
  return `${groupVersionPath(apiVersionOf(ref))}${ns}/${ref.plural}`;
}

export function objectPath(ref: ResourceRef, namespace: string | undefined, name: string, subresource?: string): string {
  if (ref.namespaced !== false && !namespace) throw new Error(`${ref.kind} ${name}: a namespaced resource needs metadata.namespace`);
  return `${collectionPath(ref, ref.namespaced === false ? undefined : namespace)}/${encodeURIComponent(name)}${subresource ? `/${subresource}` : ''}`;
}

interface ApiResourceList {
  resources: { name: string; kind: string; namespaced: boolean }[];
}

const discovered = new WeakMap<KubeConfig, Map<string, Promise<ApiResourceList>>>();

function resources(kc: KubeConfig, apiVersion: string, refresh: boolean): Promise<ApiResourceList> {
  let byVersion = discovered.get(kc);
  if (!byVersion) discovered.set(kc, (byVersion = new Map()));
  let list = byVersion.get(apiVersion);
  if (!list || refresh) {
    list = kubeRequest<ApiResourceList>(kc, 'GET', groupVersionPath(apiVersion));
    const cache = byVersion;
    // Failures are not remembered: a CRD may be installed a moment later.
    list.catch(() => cache.delete(apiVersion));
    byVersion.set(apiVersion, list);
  }
  return list;
}

/** The ResourceRef of an apiVersion and kind, as the apiserver serves them. */
export async function resourceFor(kc: KubeConfig, apiVersion: string, kind: string): Promise<ResourceRef> {
  const [group, version] = apiVersion.includes('/') ? apiVersion.split('/', 2) : ['', apiVersion];
  for (const refresh of [false, true]) {
    const found = (await resources(kc, apiVersion, refresh)).resources.find((r) => r.kind === kind && !r.name.includes('/'));
    if (found) return { group, version, plural: found.name, kind, namespaced: found.namespaced };
  }
  throw new Error(`the apiserver serves no kind ${kind} in ${apiVersion}`);
}

/** The path of an object (or one of its subresources), looked up through discovery. */
export async function pathOf(kc: KubeConfig, obj: KubernetesObject, subresource?: string): Promise<string> {
  if (!obj.apiVersion || !obj.kind || !obj.metadata?.name) throw new Error('the object needs apiVersion, kind and metadata.name');
  const ref = await resourceFor(kc, obj.apiVersion, obj.kind);
  return objectPath(ref, obj.metadata.namespace, obj.metadata.name, subresource);
}
