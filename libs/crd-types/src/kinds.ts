// The llm-d.io kinds as one table: names, schemas, subresources and printer columns. The CRD
// generator and the operator both read it.
import { z } from 'zod';
import { inferenceGatewaySpec, inferenceGatewayStatus, INFERENCE_GATEWAY_KIND } from './inference-gateway';
import { llmDeploymentSpec, llmDeploymentStatus, LLM_DEPLOYMENT_KIND } from './llm-deployment';
import { cachePolicySpec, cachePolicyStatus, CACHE_POLICY_KIND, schedulingPolicySpec, schedulingPolicyStatus, SCHEDULING_POLICY_KIND } from './policies';
import { servingPoolSpec, servingPoolStatus, SERVING_POOL_KIND } from './serving-pool';

export interface PrinterColumn {
  name: string;
  type: 'string' | 'integer' | 'number' | 'boolean' | 'date';
  jsonPath: string;
  description?: string;
  priority?: number;
}

export interface KindDefinition {
  kind: string;
  plural: string;
  singular: string;
  shortNames: string[];
  description: string;
  spec: z.ZodType;
  status: z.ZodType;
  /** The scale subresource's paths, when the kind has one. */
  scale?: { specReplicasPath: string; statusReplicasPath: string; labelSelectorPath: string };
  printerColumns: PrinterColumn[];
}

const READY: PrinterColumn = { name: 'Ready', type: 'string', jsonPath: '.status.conditions[?(@.type=="Ready")].status' };
const AGE: PrinterColumn = { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' };

export const KINDS: readonly KindDefinition[] = [
  {
    kind: LLM_DEPLOYMENT_KIND,
    plural: 'llmdeployments',
    singular: 'llmdeployment',
    // kubectl expands the category llmd before short names: `kubectl get llmd` lists every llm-d.io
    // kind, and llmdeploy names LLMDeployments alone.
    shortNames: ['llmd', 'llmdeploy'],
    description: 'A model served by vLLM pods, unified or disaggregated into prefill and decode pools.',
    spec: llmDeploymentSpec,
    status: llmDeploymentStatus,
    printerColumns: [
      { name: 'Model', type: 'string', jsonPath: '.spec.model.name' },
      { name: 'Mode', type: 'string', jsonPath: '.spec.serving.mode' },
      READY,
      { name: 'Reason', type: 'string', jsonPath: '.status.conditions[?(@.type=="Ready")].reason', priority: 1 },
      AGE,
    ],
  },
  {
    kind: SERVING_POOL_KIND,
    plural: 'servingpools',
    singular: 'servingpool',
    shortNames: ['spool'],
    description: 'One scalable pool (unified, prefill or decode) of an LLMDeployment.',
    spec: servingPoolSpec,
    status: servingPoolStatus,
    scale: { specReplicasPath: '.spec.replicas', statusReplicasPath: '.status.replicas', labelSelectorPath: '.status.selector' },
    printerColumns: [
      { name: 'Deployment', type: 'string', jsonPath: '.spec.deployment' },
      { name: 'Role', type: 'string', jsonPath: '.spec.role' },
      { name: 'Desired', type: 'integer', jsonPath: '.spec.replicas' },
      { name: 'Ready', type: 'integer', jsonPath: '.status.readyReplicas' },
      AGE,
    ],
  },
  {
    kind: INFERENCE_GATEWAY_KIND,
    plural: 'inferencegateways',
    singular: 'inferencegateway',
    shortNames: ['igw'],
    description: 'The OpenAI-compatible gateway and scheduler in front of one or more LLMDeployments.',
    spec: inferenceGatewaySpec,
    status: inferenceGatewayStatus,
    printerColumns: [
      { name: 'Endpoint', type: 'string', jsonPath: '.status.endpoint' },
      READY,
      AGE,
    ],
  },
  {
    kind: SCHEDULING_POLICY_KIND,
    plural: 'schedulingpolicies',
    singular: 'schedulingpolicy',
    shortNames: ['schedpol'],
    description: 'How the scheduler picks a pod for each request.',
    spec: schedulingPolicySpec,
    status: schedulingPolicyStatus,
    printerColumns: [{ name: 'Strategy', type: 'string', jsonPath: '.spec.strategy' }, AGE],
  },
  {
    kind: CACHE_POLICY_KIND,
    plural: 'cachepolicies',
    singular: 'cachepolicy',
    shortNames: ['cachepol'],
    description: 'KV cache tiers, block size, KV events and preloading for LLMDeployments.',
    spec: cachePolicySpec,
    status: cachePolicyStatus,
    printerColumns: [{ name: 'BlockSize', type: 'integer', jsonPath: '.spec.blockSize' }, AGE],
  },
];
