// What the reconcilers read: the informers' caches, by kind. Reconcilers never read the event that woke
// them, only this current state (level-triggered).
import type { KubernetesObject } from '@kubernetes/client-node';
import type { Informer } from '@llmd/controller-kit';
import type { Kind } from './resources';

export interface ObjectStore {
  get(kind: Kind, namespace: string, name: string): KubernetesObject | undefined;
  list(kind: Kind, namespace?: string): KubernetesObject[];
}

/** The store over the running informers: one per kind and watched namespace (or one for all namespaces). */
export class InformerStore implements ObjectStore {
  private readonly informers = new Map<Kind, Informer<KubernetesObject>[]>();

  set(kind: Kind, informers: Informer<KubernetesObject>[]): void {
    this.informers.set(kind, informers);
  }

  delete(kind: Kind): void {
    this.informers.delete(kind);
  }

  has(kind: Kind): boolean {
    return this.informers.has(kind);
  }

  get(kind: Kind, namespace: string, name: string): KubernetesObject | undefined {
    for (const informer of this.informers.get(kind) ?? []) {
      const obj = informer.get(namespace, name);
      if (obj) return obj;
    }
    return undefined;
  }

  list(kind: Kind, namespace?: string): KubernetesObject[] {
    return (this.informers.get(kind) ?? []).flatMap((i) => i.list(namespace));
  }
}
