// Owner references: every child names its owner, so garbage collection removes it with the owner and
// the owner's controller is woken when the child changes.
import type { KubernetesObject, V1OwnerReference } from '@kubernetes/client-node';

export interface OwnerReferenceOptions {
  /** @default true */
  controller?: boolean;
  /** @default true */
  blockOwnerDeletion?: boolean;
}

export function ownerReference(owner: KubernetesObject, opts: OwnerReferenceOptions = {}): V1OwnerReference {
  const { apiVersion, kind } = owner;
  const name = owner.metadata?.name;
  const uid = owner.metadata?.uid;
  if (!apiVersion || !kind || !name || !uid) throw new Error(`an owner reference needs the owner's apiVersion, kind, metadata.name and metadata.uid (got ${kind ?? '?'} ${name ?? '?'}${uid ? '' : ' without a uid'})`);
  return { apiVersion, kind, name, uid, controller: opts.controller ?? true, blockOwnerDeletion: opts.blockOwnerDeletion ?? true };
}

/** The owner reference marked controller: true, if any. */
export function controllerOf(obj: KubernetesObject): V1OwnerReference | undefined {
  return obj.metadata?.ownerReferences?.find((r) => r.controller === true);
}

const groupOf = (apiVersion: string): string => (apiVersion.includes('/') ? apiVersion.split('/')[0] : '');

/** Whether the reference points at this kind (any version of its group, as controller-runtime matches). */
export function refersTo(ref: V1OwnerReference, kind: string, apiVersion: string): boolean {
  return ref.kind === kind && groupOf(ref.apiVersion) === groupOf(apiVersion);
}

/** Whether obj is owned (controller reference) by owner, by uid. */
export function isControlledBy(obj: KubernetesObject, owner: KubernetesObject): boolean {
  const ref = controllerOf(obj);
  return ref !== undefined && ref.uid === owner.metadata?.uid;
}
