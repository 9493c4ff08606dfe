// ServingPool: one scalable pool of an LLMDeployment (unified, prefill or decode). The operator
// creates it; the autoscaler, an HPA or KEDA resize it through its scale subresource, the one writer
// of its replicas. It runs its pod template as a Deployment.
import { z } from 'zod';
import { condition, replicas } from './common';

export const SERVING_POOL_KIND = 'ServingPool';

export const servingPoolSpec = z
  .object({
    deployment: z.string().min(1).describe('The LLMDeployment the pool belongs to.'),
    role: z.enum(['unified', 'prefill', 'decode']).describe('What the pods do.'),
    model: z.string().min(1).describe('The model the pods serve.'),
    replicas: replicas.describe('Pods in the pool; written through the scale subresource.'),
    template: z
      .object({})
      .passthrough()
      .meta({ 'x-kubernetes-preserve-unknown-fields': true, 'x-kubernetes-embedded-resource': false })
      .describe('The pods, a core/v1 PodTemplateSpec rendered by the operator.'),
  })
  .strict();
export type ServingPoolSpec = z.infer<typeof servingPoolSpec>;

export const servingPoolStatus = z
  .object({
    observedGeneration: z.int().min(0).optional(),
    replicas: z.int().min(0).optional().describe('Pods that exist.'),
    readyReplicas: z.int().min(0).optional(),
    updatedReplicas: z.int().min(0).optional().describe('Pods on the current template.'),
    availableReplicas: z.int().min(0).optional(),
    selector: z.string().optional().describe('Label selector of the pods, for the scale subresource.'),
    conditions: z.array(condition).optional().meta({ 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': ['type'] }),
  })
  .strict();
export type ServingPoolStatus = z.infer<typeof servingPoolStatus>;
