// Pieces shared by the llm-d.io resources: Kubernetes quantities, conditions, object references, and
// the pod-placement fields a pool carries. Written once in zod; the CRD schemas in deploy/crds are
// generated from these (tools: crd-gen), and the operator parses objects with the same schemas.
import { z } from 'zod';
import { listMap, withRules } from './cel-rules';

export const GROUP = 'llm-d.io';
export const VERSION = 'v1alpha1';
export const API_VERSION = `${GROUP}/${VERSION}`;

/**
 * A Kubernetes resource quantity: `40Gi`, `500M`, `2Ti`, `1.5`, `250m`, or a whole number (`cpu: 8`),
 * as Kubernetes accepts it (int-or-string). Parsed, it is always the string (`'8'`).
 */
export const quantity = z
  .union([
    z.int().min(0),
    z.string().regex(/^[+]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][-+]?[0-9]+|[KMGTPE]i|[mkMGTPE])?$/, 'must be a Kubernetes quantity such as 40Gi or 500M'),
  ])
  .meta({ 'x-kubernetes-int-or-string': true })
  .transform(String)
  .describe('A Kubernetes resource quantity, e.g. 40Gi');

export const dnsLabel = z
  .string()
  .min(1)
  .max(63)
  .regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, 'must be a DNS-1123 label');

/** A reference to another llm-d.io object in the same namespace. */
export const localObjectReference = z
  .object({ name: z.string().min(1).max(253).describe('Name of the object, in the same namespace.') })
  .strict();

/** metav1.Condition, as every controller in the field writes it. */
export const condition = z
  .object({
    type: z.string().min(1).max(316).describe('Condition type: Ready, Progressing, Degraded, ...'),
    status: z.enum(['True', 'False', 'Unknown']).describe('True, False or Unknown.'),
    observedGeneration: z.int().min(0).optional().describe('The .metadata.generation the condition was set for.'),
    lastTransitionTime: z.iso.datetime({ offset: true }).describe('When the status last changed (RFC 3339).'),
    reason: z.string().min(1).max(1024).regex(/^[A-Za-z]([A-Za-z0-9_,:]*[A-Za-z0-9_])?$/, 'must be CamelCase').describe('CamelCase reason for the last transition.'),
    message: z.string().max(32768).describe('Human-readable detail.'),
  })
  .strict();
export type Condition = z.infer<typeof condition>;

export const toleration = z
  .object({
    key: z.string().optional().describe('Taint key the toleration applies to; empty with operator Exists matches every taint.'),
    operator: z.enum(['Exists', 'Equal']).optional().describe('Exists or Equal (the default).'),
    value: z.string().optional().describe('Taint value, for operator Equal.'),
    effect: z.enum(['NoSchedule', 'PreferNoSchedule', 'NoExecute']).optional().describe('Taint effect to match; empty matches all.'),
    tolerationSeconds: z.int().optional().describe('For NoExecute: how long the pod stays bound after the taint appears.'),
  })
  .strict()
  .describe('A core/v1 Toleration.');

export const envVar = z
  .object({ name: z.string().min(1).describe('Variable name.'), value: z.string().optional().describe('Variable value.') })
  .strict()
  .describe('A plain environment variable for the container.');

/**
 * GPUs, memory and CPU of one pod. `gpu` is either the extended resource name (`nvidia.com/gpu`,
 * with `count` GPUs) or, as a number, the GPU count itself (of `nvidia.com/gpu`): the design brief
 * writes it both ways.
 */
export const podResources = withRules(
  z
    .object({
      gpu: z
        .union([
          z.int().min(0),
          z
            .string()
            .regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/, 'must be an extended resource name such as nvidia.com/gpu'),
        ])
        .meta({ 'x-kubernetes-int-or-string': true })
        .optional()
        .describe('The GPU resource name (nvidia.com/gpu, amd.com/gpu), with `count` GPUs per pod; or, as a number, the GPU count itself (of nvidia.com/gpu). Absent: nvidia.com/gpu when `count` is set, else no GPU.'),
      count: z.int().min(0).optional().describe('GPUs per pod of the resource `gpu` names (nvidia.com/gpu when gpu is unset). Default 1 when gpu names a resource. Not with a numeric gpu.'),
      memory: quantity.optional().describe('Container memory, requested and limited, e.g. 40Gi.'),
      cpu: quantity.optional().describe('Container CPU request, e.g. 8.'),
    })
    .strict()
    .describe('GPUs, memory and CPU of each pod.'),
  [
    {
      rule: '!(has(self.count) && has(self.gpu) && type(self.gpu) == int)',
      message: 'count is only set when gpu names a resource; a numeric gpu is already the count',
      holds: (self) => !(self.count !== undefined && typeof self.gpu === 'number'),
    },
  ],
);
export type PodResources = z.infer<typeof podResources>;

/** Tensor and data parallelism of one pod (vLLM's --tensor-parallel-size, --data-parallel-size). */
export const parallelism = z
  .object({
    tensor: z.int().min(1).default(1).describe('Tensor-parallel size (GPUs one model replica spans). Default 1.'),
    data: z.int().min(1).default(1).describe('Data-parallel ranks in the pod, each its own endpoint. Default 1.'),
  })
  .strict();

/** What every serving pool carries, unified or prefill or decode. */
export const poolTemplate = {
  parallelism: parallelism.optional().describe('Tensor and data parallelism.'),
  args: z.array(z.string()).optional().describe('Extra vLLM arguments, appended after the ones llmd renders.'),
  env: z.array(envVar).optional().describe('Extra environment variables.'),
  nodeSelector: z.record(z.string(), z.string()).optional().describe('Node labels the pods must match.'),
  tolerations: z.array(toleration).optional().describe('Taints the pods tolerate.'),
};

export const replicas = z.int().min(0).max(10000);

/** One KV cache tier of a pod: GPU memory, host memory or local disk. */
export const cacheTier = withRules(
  z
    .object({
      type: z.enum(['gpu', 'cpu', 'ssd']).describe('gpu: vLLM KV cache in GPU memory; cpu: offload to host memory; ssd: offload to local disk.'),
      size: quantity.describe('Capacity of the tier per pod, e.g. 40Gi.'),
      path: z.string().regex(/^\//, 'must be an absolute path').optional().describe('ssd only: where the tier lives in the pod. Default /kv-cache.'),
    })
    .strict(),
  [{ rule: "self.type == 'ssd' || !has(self.path)", message: 'path is only for the ssd tier', holds: (self) => self.type === 'ssd' || self.path === undefined }],
);

/** A list of KV cache tiers, each type at most once (a list map keyed by type). */
export const cacheTiers = withRules(
  listMap(z.array(cacheTier).max(3), 'type'),
  [
    {
      rule: 'self.all(t, self.exists_one(u, u.type == t.type))',
      message: 'each tier type (gpu, cpu, ssd) may appear once',
      holds: (self) => new Set(self.map((t) => t.type)).size === self.length,
    },
  ],
);
