// Where an informer's objects come from: a paged list (with the collection's resourceVersion) and a
// watch from a resourceVersion. The Kubernetes source talks to the apiserver; tests may pass a fake.
import type { KubeConfig, KubernetesObject } from '@kubernetes/client-node';
import { kubeRequest } from '../client/kube-request';
import { apiVersionOf, collectionPath, ResourceRef } from '../client/resource-path';
import { watchStream, WatchEvent, WatchHandle } from '../client/watch-stream';

export type { WatchEvent, WatchHandle } from '../client/watch-stream';

export interface ListWatchSource<T extends KubernetesObject> {
  list(): Promise<{ items: T[]; resourceVersion: string }>;
  watch(resourceVersion: string, onEvent: (e: WatchEvent) => void): Promise<WatchHandle>;
}

export interface KubeListWatchOptions {
  namespace?: string;
  labelSelector?: string;
  fieldSelector?: string;
  /** How long the apiserver keeps one watch open. @default random in [300, 600) s, as client-go */
  watchTimeoutSeconds?: number;
  /** Objects per list page. @default 500 */
  pageSize?: number;
}

export function kubeListWatch<T extends KubernetesObject>(kc: KubeConfig, ref: ResourceRef, opts: KubeListWatchOptions = {}): ListWatchSource<T> {
  const path = collectionPath(ref, opts.namespace);
  const apiVersion = apiVersionOf(ref);
  // List items carry no apiVersion/kind; owners built from cached objects need them.
  const typed = (o: T): T => ({ ...o, apiVersion: o.apiVersion ?? apiVersion, kind: o.kind ?? ref.kind });
  const selectors = { labelSelector: opts.labelSelector, fieldSelector: opts.fieldSelector };
  return {
    async list() {
      const items: T[] = [];
      let cont: string | undefined;
      let resourceVersion = '';
      do {
        const page = await kubeRequest<{ items: T[]; metadata?: { resourceVersion?: string; continue?: string } }>(kc, 'GET', path, undefined, {
          query: { ...selectors, limit: opts.pageSize ?? 500, continue: cont },
        });
        items.push(...(page.items ?? []).map(typed));
        resourceVersion = page.metadata?.resourceVersion ?? '';
        cont = page.metadata?.continue || undefined;
      } while (cont);
      return { items, resourceVersion };
    },
    watch(resourceVersion, onEvent) {
      const timeoutSeconds = opts.watchTimeoutSeconds ?? Math.floor(300 * (1 + Math.random()));
      const query = { ...selectors, resourceVersion, allowWatchBookmarks: true, timeoutSeconds };
      return watchStream(kc, path, query, (e) => onEvent(e.type === 'ERROR' ? e : { ...e, object: typed(e.object as T) }), (timeoutSeconds + 30) * 1000);
    },
  };
}
