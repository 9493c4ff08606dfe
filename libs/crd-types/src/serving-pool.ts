// ServingPool: one scalable pool of an LLMDeployment (unified, prefill or decode). The operator
// creates it; the autoscaler, an HPA or KEDA resize it through its scale subresource, the one writer
// of its replicas. It runs its pod template as a Deployment.
import { z } from 'zod';
import { autoscalingSpec } from './autoscaling';
import { condition, replicas } from './common';

export const SERVING_POOL_KIND = 'ServingPool';

export const servingPoolSpec = z
  .object({
    deployment: z
      .string()
      .min(1)
      .meta({ 'x-kubernetes-validations': [{ rule: 'self == oldSelf', message: 'deployment is immutable' }] })
      .describe('The LLMDeployment the pool belongs to. Immutable.'),
    role: z
      .enum(['unified', 'prefill', 'decode'])
      .meta({ 'x-kubernetes-validations': [{ rule: 'self == oldSelf', message: 'role is immutable' }] })
      .describe('What the pods do. Immutable.'),
    model: z.string().min(1).describe('The model the pods serve.'),
    replicas: replicas.describe('Pods in the pool; written through the scale subresource.'),
    autoscaling: autoscalingSpec
      .optional()
      .describe("How llmd's autoscaler sizes the pool (copied from the LLMDeployment). Only pools that have it are scaled by it; the operator then never writes their replicas after creating them."),
    template: z
      .object({})
      .passthrough()
      .meta({ 'x-kubernetes-preserve-unknown-fields': true })
      .describe('The pods, a core/v1 PodTemplateSpec rendered by the operator.'),
  })
  .strict();
export type ServingPoolSpec = z.infer<typeof servingPoolSpec>;

export const servingPoolStatus = z
  .object({
    observedGeneration: z.int().min(0).optional().describe('The .metadata.generation the status was written for.'),
    replicas: z.int().min(0).optional().describe('Pods that exist.'),
    readyReplicas: z.int().min(0).optional().describe('Pods ready to serve.'),
    updatedReplicas: z.int().min(0).optional().describe('Pods on the current template.'),
    availableReplicas: z.int().min(0).optional().describe('Pods ready for at least minReadySeconds.'),
    selector: z.string().optional().describe('Label selector of the pods, for the scale subresource.'),
    conditions: z.array(condition).optional().meta({ 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': ['type'] }).describe('Ready and Progressing, with reasons.'),
  })
  .strict();
export type ServingPoolStatus = z.infer<typeof servingPoolStatus>;
