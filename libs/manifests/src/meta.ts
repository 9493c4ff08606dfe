// Names, labels and owner references every rendered object shares.
import { API_VERSION } from '@llmd/crd-types';
import type { ObjectMeta, OwnerReference } from './types';

export const MANAGED_BY = 'llmd-operator';
export const PART_OF = 'llmd';

/** The pool a pod belongs to: the Deployment selector (never changes for a pool). */
export const POOL_LABEL = 'llm-d.io/pool';
/** The LLMDeployment a pool or pod belongs to. */
export const DEPLOYMENT_LABEL = 'llm-d.io/deployment';
/** What the pod does, as llmd's scheduler reads it: prefill, decode or both. */
export const ROLE_LABEL = 'llm-d.ai/role';
/** The models a pod serves (comma-separated), read by the scheduler's and cache-manager's pod discovery. */
export const MODELS_ANNOTATION = 'llm-d.ai/models';
/** The replicas the LLMDeployment declared when the operator last wrote them (replica ownership rule). */
export const DECLARED_REPLICAS_ANNOTATION = 'llm-d.io/declared-replicas';
/** A checksum of a service's ConfigMap on its pod template: a config change rolls the pods. */
export const CONFIG_CHECKSUM_ANNOTATION = 'llm-d.io/config-checksum';

/** Component of the model-server pods (app.kubernetes.io/component). */
export const MODEL_SERVER_COMPONENT = 'model-server';

export interface StandardLabels {
  name: string;
  instance: string;
  component: string;
}

export function standardLabels(l: StandardLabels): Record<string, string> {
  return {
    'app.kubernetes.io/name': l.name,
    'app.kubernetes.io/instance': l.instance,
    'app.kubernetes.io/component': l.component,
    'app.kubernetes.io/managed-by': MANAGED_BY,
    'app.kubernetes.io/part-of': PART_OF,
  };
}

/** The controller owner reference to an llm-d.io object. */
export function ownerRef(owner: { kind: string; metadata: ObjectMeta; apiVersion?: string }): OwnerReference {
  return {
    apiVersion: owner.apiVersion ?? API_VERSION,
    kind: owner.kind,
    name: owner.metadata.name,
    uid: owner.metadata.uid ?? '',
    controller: true,
    blockOwnerDeletion: true,
  };
}

/** The selector of every model-server pod of one LLMDeployment (its Service, its InferencePool). */
export function modelServerSelector(deployment: string): Record<string, string> {
  return { [DEPLOYMENT_LABEL]: deployment, 'app.kubernetes.io/component': MODEL_SERVER_COMPONENT };
}

/**
 * A name the rendered objects can carry: it names Services (DNS-1035 labels) and is a label value
 * (63 characters at most) once `suffix` is added. The message names the field, or undefined.
 */
export function nameProblem(name: string, suffix: string): string | undefined {
  if (!/^[a-z]([-a-z0-9]*[a-z0-9])?$/.test(name)) return `metadata.name: ${name} must be a DNS-1035 label (lower case letters, digits and '-', starting with a letter), as it names Services`;
  const max = 63 - suffix.length;
  if (name.length > max) return `metadata.name: ${name} is longer than ${max} characters (it is suffixed with ${suffix} in Service names and label values)`;
  return undefined;
}
