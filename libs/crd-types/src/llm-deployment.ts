// LLMDeployment: one model served by vLLM pods, unified or split into prefill and decode pools. The
// two examples of the design brief (deploy/examples) must validate unchanged.
import { z } from 'zod';
import { listMap, withRules } from './cel-rules';
import { autoscalingSpec } from './autoscaling';
import { cacheTiers, condition, localObjectReference, podResources, poolTemplate, replicas } from './common';

export const LLM_DEPLOYMENT_KIND = 'LLMDeployment';

export const loraAdapter = z
  .object({
    name: z.string().min(1).describe('Adapter name, as requests give it in `model`.'),
    uri: z.string().min(1).describe('Where the adapter weights are: hf://org/name, pvc://claim/path or a path in the pod.'),
  })
  .strict();

/** Where the weights come from: `hf://org/name[@revision]`, `pvc://claim/path`, or a path in the pod. */
export const modelUri = z
  .string()
  .regex(/^(hf:\/\/[^\s/]+\/[^\s]+|pvc:\/\/[a-z0-9]([-a-z0-9]*[a-z0-9])?(\/[^\s]*)?|\/[^\s]*)$/, 'must be hf://org/name, pvc://claim[/path] or an absolute path');

export const modelSpec = z
  .object({
    name: z.string().min(1).describe('The model as clients name it in requests, and its Hugging Face id when uri is unset (e.g. meta-llama/Llama-2-7b-hf).'),
    uri: modelUri.optional().describe('Where the weights are: hf://org/name, pvc://claim/path or a path in the pod. Default hf://<name>.'),
    runtime: z.enum(['vllm']).default('vllm').describe('The inference server. Only vllm.'),
    revision: z.string().min(1).optional().describe('Hugging Face revision (branch, tag or commit).'),
    hfTokenSecretRef: z
      .object({
        name: z.string().min(1).describe('Name of the Secret, in the same namespace.'),
        key: z.string().min(1).default('HF_TOKEN').describe('Key of the token in the Secret. Default HF_TOKEN.'),
      })
      .strict()
      .optional()
      .describe('Secret holding a Hugging Face token (for gated models), as HF_TOKEN.'),
    loraAdapters: listMap(z.array(loraAdapter), 'name')
      .optional()
      .describe('LoRA adapters served beside the base model, each name once.'),
    maxModelLen: z.int().min(1).optional().describe("vLLM's --max-model-len."),
  })
  .strict();

/** One pool of the disaggregated mode. */
export const poolSpec = z
  .object({
    replicas: replicas.describe('Pods in the pool (the initial size when an autoscaler scales it).'),
    resources: podResources.optional().describe('GPUs, memory and CPU of each pod.'),
    autoscaling: autoscalingSpec
      .optional()
      .describe("How llmd's autoscaler sizes this pool; replaces serving.autoscaling whole. The pool is created at replicas clamped to [minReplicas, maxReplicas]; afterwards the autoscaler owns its size."),
    ...poolTemplate,
  })
  .strict();
export type PoolSpec = z.infer<typeof poolSpec>;

export const servingSpec = withRules(
  z
    .object({
      mode: z.enum(['unified', 'disaggregated']).default('unified').describe('unified: every pod prefills and decodes; disaggregated: prefill and decode pools.'),
      replicas: replicas.optional().describe('Pods of the unified pool (unified mode only). Default 1.'),
      prefill: poolSpec.optional().describe('The prefill pool (disaggregated mode only).'),
      decode: poolSpec.optional().describe('The decode pool (disaggregated mode only).'),
      autoscaling: autoscalingSpec
        .optional()
        .describe("How llmd's autoscaler sizes the unified pool; in disaggregated mode, each pool that sets none. Absent: the pools keep their declared replicas (no autoscaling)."),
      // The pool fields at serving level: the unified pool's, or in disaggregated mode shared by both
      // pools under each pool's own.
      parallelism: poolTemplate.parallelism.describe('Tensor and data parallelism of the unified pool; in disaggregated mode, of each pool that sets none.'),
      args: poolTemplate.args.describe("Extra vLLM arguments of every pod, appended after the ones llmd renders (in disaggregated mode, before each pool's own)."),
      env: poolTemplate.env.describe("Extra environment variables of every pod (in disaggregated mode, a pool's own override them by name)."),
      nodeSelector: poolTemplate.nodeSelector.describe("Node labels every pod must match (in disaggregated mode, merged under each pool's own)."),
      tolerations: poolTemplate.tolerations.describe("Taints every pod tolerates (in disaggregated mode, with each pool's own)."),
    })
    .strict(),
  [
    {
      rule: "self.mode != 'disaggregated' || (has(self.prefill) && has(self.decode))",
      message: 'disaggregated mode needs both serving.prefill and serving.decode',
      holds: (self) => self.mode !== 'disaggregated' || (self.prefill !== undefined && self.decode !== undefined),
    },
    {
      rule: "self.mode != 'disaggregated' || !has(self.replicas)",
      message: 'serving.replicas is for unified mode; set serving.prefill.replicas and serving.decode.replicas',
      holds: (self) => self.mode !== 'disaggregated' || self.replicas === undefined,
    },
    {
      rule: "self.mode != 'unified' || (!has(self.prefill) && !has(self.decode))",
      message: 'serving.prefill and serving.decode are for disaggregated mode',
      holds: (self) => self.mode !== 'unified' || (self.prefill === undefined && self.decode === undefined),
    },
  ],
);

export const cacheSpec = z
  .object({
    tiers: cacheTiers.optional().describe('KV cache tiers, each type at most once; override the CachePolicy tiers.'),
    blockSize: z.int().min(1).max(1024).optional().describe("vLLM's --block-size (tokens per KV block). Default from the CachePolicy, else 16."),
  })
  .strict();

export const llmDeploymentSpec = withRules(
  z
    .object({
      model: modelSpec.describe('The model and where its weights are.'),
      serving: servingSpec.prefault({ mode: 'unified' }).describe('How the model is served.'),
      resources: podResources.optional().describe('GPUs, memory and CPU of each pod of the unified pool (unified mode only).'),
      cache: cacheSpec.optional().describe('KV cache tiers and block size.'),
      schedulingPolicyRef: localObjectReference.optional().describe('SchedulingPolicy for requests to this model.'),
      cachePolicyRef: localObjectReference.optional().describe('CachePolicy for this model.'),
      simulated: z.boolean().default(false).describe('Run the pods on llmd-vllm-sim (no GPU) instead of vLLM, with the same objects.'),
      image: z.string().min(1).optional().describe('Container image of the inference server; defaults to the pinned vLLM (or llmd-vllm-sim when simulated).'),
    })
    .strict(),
  [
    {
      rule: "self.serving.mode != 'disaggregated' || !has(self.resources)",
      message: 'spec.resources is for unified mode; set serving.prefill.resources and serving.decode.resources',
      holds: (self) => self.serving.mode !== 'disaggregated' || self.resources === undefined,
    },
  ],
);
export type LLMDeploymentSpec = z.infer<typeof llmDeploymentSpec>;

export const poolStatus = z
  .object({
    name: z.string().describe('The ServingPool object.'),
    replicas: z.int().min(0).default(0).describe('Pods that exist.'),
    readyReplicas: z.int().min(0).default(0).describe('Pods ready to serve.'),
    updatedReplicas: z.int().min(0).default(0).describe('Pods on the current template.'),
  })
  .strict();

export const llmDeploymentStatus = z
  .object({
    observedGeneration: z.int().min(0).optional().describe('The .metadata.generation the status was written for.'),
    conditions: z.array(condition).optional().meta({ 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': ['type'] }).describe('Ready, Progressing and Degraded, with reasons.'),
    unified: poolStatus.optional().describe('The unified pool (unified mode).'),
    prefill: poolStatus.optional().describe('The prefill pool (disaggregated mode).'),
    decode: poolStatus.optional().describe('The decode pool (disaggregated mode).'),
    endpoint: z.string().optional().describe('host:port clients (or a gateway) reach the model at.'),
  })
  .strict();
export type LLMDeploymentStatus = z.infer<typeof llmDeploymentStatus>;
