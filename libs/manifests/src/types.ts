// The shapes libs/manifests works on: parsed llm-d.io objects in, plain Kubernetes objects out.
import type {
  CachePolicySpec,
  Condition,
  InferenceGatewaySpec,
  LLMDeploymentSpec,
  LLMDeploymentStatus,
  SchedulingPolicySpec,
  ServingPoolSpec,
  ServingPoolStatus,
} from '@llmd/crd-types';

/** The Kafka the rendered services use: their `kafka` config keys, and the Secrets its files come from. */
export interface KafkaContext {
  brokers: string[];
  tls?: { enabled: boolean; caFile?: string; certFile?: string; keyFile?: string; serverName?: string; rejectUnauthorized: boolean };
  sasl?: { mechanism: string; username: string; passwordFile?: string };
  /** Mounted whole and read-only into every service's pods. */
  secrets?: { name: string; mountPath: string }[];
}

/**
 * TLS between the rendered gateway, scheduler and cache-manager: one Secret in cert-manager's layout
 * (`tls.crt`, `tls.key`, `ca.crt`) mounted into each, whose certificate names their Services
 * (`<gateway>-scheduler.<namespace>.svc`, `<gateway>-cache-manager.<namespace>.svc`) and serves as
 * both server and client certificate.
 */
export interface GrpcTlsContext {
  secretName: string;
  /** The scheduler and cache-manager refuse callers without a certificate from `ca.crt` (mutual TLS). */
  requireClientCert: boolean;
}

/** What the operator knows of its environment, the same for every render. */
export interface RenderContext {
  namespace: string;
  images: { vllm: string; vllmSim: string; gateway: string; scheduler: string; cacheManager: string };
  kafka?: KafkaContext;
  /** TLS on the gRPC hops (gateway -> scheduler -> cache-manager); absent: plaintext. */
  grpcTls?: GrpcTlsContext;
  /** The inference.networking.k8s.io/v1 InferencePool CRD is installed. */
  inferencePoolInstalled: boolean;
  /**
   * The tokenizer a simulated pod is told to use for a model it would find none for (vllm-sim ships
   * a few families); undefined: vllm-sim finds its own. Absent: never told.
   */
  simTokenizer?: (model: string) => string | undefined;
}

export interface OwnerReference {
  apiVersion: string;
  kind: string;
  name: string;
  uid: string;
  controller?: boolean;
  blockOwnerDeletion?: boolean;
}

export interface ObjectMeta {
  name: string;
  namespace?: string;
  uid?: string;
  generation?: number;
  resourceVersion?: string;
  creationTimestamp?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  ownerReferences?: OwnerReference[];
}

/** Any Kubernetes object as plain JSON. */
export interface Obj {
  apiVersion: string;
  kind: string;
  metadata: ObjectMeta;
  [key: string]: unknown;
}

export type Parsed<T> = { ok: true; value: T } | { ok: false; message: string };

/**
 * Something that keeps a resource from being fully reconciled. A blocking problem (InvalidSpec,
 * PolicyNotFound) means nothing was rendered: the operator leaves the children as they are.
 */
export interface Problem {
  reason: string;
  message: string;
  blocking?: boolean;
}

interface Typed<Spec, Status> {
  apiVersion: string;
  kind: string;
  metadata: ObjectMeta;
  spec: Spec;
  status?: Status;
}

export type LLMDeploymentObject = Typed<LLMDeploymentSpec, LLMDeploymentStatus>;
export type ServingPoolObject = Typed<ServingPoolSpec, ServingPoolStatus>;
export type InferenceGatewayObject = Typed<InferenceGatewaySpec, InferenceGatewayStatusShape>;
export type SchedulingPolicyObject = Typed<SchedulingPolicySpec, PolicyStatusShape>;
export type CachePolicyObject = Typed<CachePolicySpec, PolicyStatusShape>;

export interface PolicyStatusShape {
  observedGeneration?: number;
  conditions?: Condition[];
}

export interface InferenceGatewayStatusShape {
  observedGeneration?: number;
  conditions?: Condition[];
  readyReplicas?: number;
  endpoint?: string;
}

/** What the operator reads of an apps/v1 Deployment it observed. */
export interface ObservedDeployment {
  metadata: ObjectMeta;
  spec?: { replicas?: number; selector?: { matchLabels?: Record<string, string> } };
  status?: {
    observedGeneration?: number;
    replicas?: number;
    readyReplicas?: number;
    updatedReplicas?: number;
    availableReplicas?: number;
    unavailableReplicas?: number;
    conditions?: { type: string; status: string; reason?: string; message?: string }[];
  };
}

export type { Condition, LLMDeploymentStatus, ServingPoolStatus };
