// Fakes for the reconcilers' specs: a store over fixed objects and a cluster writer that records.
import type { KubernetesObject } from '@kubernetes/client-node';
import type { ResourceRef } from '@llmd/controller-kit';
import type { ClusterWriter } from '../kube/cluster';
import type { ObjectStore } from '../kube/object-store';
import type { Kind } from '../kube/resources';

export class StaticStore implements ObjectStore {
  constructor(readonly objects: KubernetesObject[]) {}

  get(kind: Kind, namespace: string, name: string): KubernetesObject | undefined {
    return this.objects.find((o) => o.kind === kind && o.metadata?.namespace === namespace && o.metadata?.name === name);
  }

  list(kind: Kind, namespace?: string): KubernetesObject[] {
    return this.objects.filter((o) => o.kind === kind && (namespace === undefined || o.metadata?.namespace === namespace));
  }
}

export type Write =
  | { op: 'apply'; obj: KubernetesObject }
  | { op: 'status'; obj: KubernetesObject }
  | { op: 'handOver'; name: string; replicas: number }
  | { op: 'scale'; name: string; replicas: number }
  | { op: 'remove'; kind: string; name: string; propagation: string }
  | { op: 'addFinalizer' | 'removeFinalizer'; name: string; finalizer: string };

export class RecordingCluster implements ClusterWriter {
  readonly writes: Write[] = [];
  installed = new Set<string>();

  ops(op: Write['op']): Write[] {
    return this.writes.filter((w) => w.op === op);
  }

  async apply(obj: KubernetesObject): Promise<KubernetesObject> {
    this.writes.push({ op: 'apply', obj });
    return obj;
  }

  async applyStatus(obj: KubernetesObject): Promise<void> {
    this.writes.push({ op: 'status', obj });
  }

  async handOverReplicas(pool: KubernetesObject, replicas: number): Promise<void> {
    this.writes.push({ op: 'handOver', name: pool.metadata?.name ?? '', replicas });
  }

  async scale(_ref: ResourceRef, _namespace: string, name: string, replicas: number): Promise<void> {
    this.writes.push({ op: 'scale', name, replicas });
  }

  async remove(ref: ResourceRef, obj: KubernetesObject, propagation: 'Background' | 'Foreground'): Promise<void> {
    this.writes.push({ op: 'remove', kind: ref.kind, name: obj.metadata?.name ?? '', propagation });
  }

  async ensureFinalizer(obj: KubernetesObject, finalizer: string): Promise<boolean> {
    if ((obj.metadata?.finalizers ?? []).includes(finalizer)) return false;
    this.writes.push({ op: 'addFinalizer', name: obj.metadata?.name ?? '', finalizer });
    return true;
  }

  async removeFinalizer(obj: KubernetesObject, finalizer: string): Promise<void> {
    this.writes.push({ op: 'removeFinalizer', name: obj.metadata?.name ?? '', finalizer });
  }

  async served(ref: ResourceRef): Promise<boolean> {
    return this.installed.has(ref.plural);
  }
}
