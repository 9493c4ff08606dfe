// Every write the operator makes to the cluster, behind one interface so the reconcilers can be
// specified against a fake: server-side apply (field manager llmd-operator), status, /scale, deletion,
// finalizers, and whether an API is served.
import type { KubeConfig, KubernetesObject } from '@kubernetes/client-node';
import { apply, applyStatus, ensureFinalizer, FIELD_MANAGER, isConflict, isNotFound, kubeRequest, objectPath, removeFinalizer, ResourceRef } from '@llmd/controller-kit';

/**
 * The field manager that owns a ServingPool's spec.replicas after the operator created it: never the
 * one the operator applies the pool with, so that an apply without replicas does not delete them.
 */
export const REPLICAS_FIELD_MANAGER = `${FIELD_MANAGER}-replicas`;

export interface ClusterWriter {
  /** Server-side apply with the operator's field manager, taking over conflicting fields. */
  apply(obj: KubernetesObject): Promise<KubernetesObject>;
  /** Server-side apply of the status subresource. */
  applyStatus(obj: KubernetesObject): Promise<void>;
  /**
   * Hands spec.replicas of a just-created ServingPool to REPLICAS_FIELD_MANAGER (an apply of that field
   * alone, same value), so later applies that omit it leave it to whoever scales the pool.
   */
  handOverReplicas(pool: KubernetesObject, replicas: number): Promise<void>;
  /** Writes replicas through the /scale subresource, as an autoscaler would. */
  scale(ref: ResourceRef, namespace: string, name: string, replicas: number): Promise<void>;
  /** Deletes an object; a missing one is not an error. */
  remove(ref: ResourceRef, obj: KubernetesObject, propagation: 'Background' | 'Foreground'): Promise<void>;
  ensureFinalizer(obj: KubernetesObject, finalizer: string): Promise<boolean>;
  removeFinalizer(obj: KubernetesObject, finalizer: string): Promise<void>;
  /** Whether the API server serves this resource (discovery); throws when it cannot tell. */
  served(ref: ResourceRef): Promise<boolean>;
}

export class KubeCluster implements ClusterWriter {
  constructor(private readonly kc: KubeConfig) {}

  apply(obj: KubernetesObject): Promise<KubernetesObject> {
    return apply(this.kc, obj, { fieldManager: FIELD_MANAGER, force: true });
  }

  async applyStatus(obj: KubernetesObject): Promise<void> {
    await applyStatus(this.kc, obj, { fieldManager: FIELD_MANAGER });
  }

  async handOverReplicas(pool: KubernetesObject, replicas: number): Promise<void> {
    const { apiVersion, kind, metadata } = pool;
    await apply(this.kc, { apiVersion, kind, metadata: { name: metadata?.name, namespace: metadata?.namespace }, spec: { replicas } } as KubernetesObject, { fieldManager: REPLICAS_FIELD_MANAGER, force: false });
  }

  async scale(ref: ResourceRef, namespace: string, name: string, replicas: number): Promise<void> {
    await kubeRequest(this.kc, 'PATCH', objectPath(ref, namespace, name, 'scale'), { spec: { replicas } }, { contentType: 'application/merge-patch+json', query: { fieldManager: REPLICAS_FIELD_MANAGER } });
  }

  async remove(ref: ResourceRef, obj: KubernetesObject, propagation: 'Background' | 'Foreground'): Promise<void> {
    const path = objectPath(ref, obj.metadata?.namespace, obj.metadata?.name ?? '');
    const uid = obj.metadata?.uid;
    // The uid precondition keeps a stale cache from deleting a newer object of the same name.
    const body = { apiVersion: 'v1', kind: 'DeleteOptions', propagationPolicy: propagation, ...(uid ? { preconditions: { uid } } : {}) };
    try {
      await kubeRequest(this.kc, 'DELETE', path, body);
    } catch (err) {
      // Gone already, or the uid precondition failed (a newer object of that name): nothing to delete.
      if (isNotFound(err) || isConflict(err)) return;
      throw err;
    }
  }

  ensureFinalizer(obj: KubernetesObject, finalizer: string): Promise<boolean> {
    return ensureFinalizer(this.kc, obj, finalizer);
  }

  removeFinalizer(obj: KubernetesObject, finalizer: string): Promise<void> {
    return removeFinalizer(this.kc, obj, finalizer);
  }

  async served(ref: ResourceRef): Promise<boolean> {
    const path = ref.group ? `/apis/${ref.group}/${ref.version}` : `/api/${ref.version}`;
    try {
      const list = await kubeRequest<{ resources?: { name: string }[] }>(this.kc, 'GET', path);
      return (list.resources ?? []).some((r) => r.name === ref.plural);
    } catch (err) {
      if (isNotFound(err)) return false;
      throw err;
    }
  }
}
