// InferenceGateway: the OpenAI-compatible gateway and its scheduler (endpoint picker) in front of one
// or more LLMDeployments.
import { z } from 'zod';
import { listMap } from './cel-rules';
import { condition, localObjectReference, podResources, replicas } from './common';

export const INFERENCE_GATEWAY_KIND = 'InferenceGateway';

export const inferenceGatewaySpec = z
  .object({
    deployments: listMap(z.array(localObjectReference).min(1), 'name').describe('The LLMDeployments this gateway serves (same namespace), each once.'),
    gateway: z
      .object({
        replicas: replicas.default(1).describe('Gateway pods. Default 1.'),
        port: z.int().min(1).max(65535).default(8000).describe('Listener port of the OpenAI API. Default 8000.'),
        resources: podResources.optional().describe('Memory and CPU of each gateway pod.'),
      })
      .strict()
      .prefault({ replicas: 1, port: 8000 })
      .describe('The OpenAI-compatible gateway pods.'),
    scheduler: z
      .object({
        replicas: replicas.default(1).describe('Scheduler pods. Default 1.'),
        resources: podResources.optional().describe('Memory and CPU of each scheduler pod.'),
      })
      .strict()
      .prefault({ replicas: 1 })
      .describe('The scheduler (endpoint picker) pods.'),
    authSecretRef: localObjectReference
      .optional()
      .describe('Secret whose `keys.yaml` lists tenant API keys; when set, requests without a valid key are refused.'),
    failureMode: z
      .enum(['FailOpen', 'FailClose'])
      .default('FailOpen')
      .describe('When the scheduler cannot answer: FailOpen picks an endpoint locally, FailClose refuses with 503.'),
    schedulingPolicyRef: localObjectReference.optional().describe('SchedulingPolicy of the scheduler; else the deployments\' own, else precise-prefix.'),
    flowControl: z
      .object({
        enabled: z.boolean().default(true).describe('Default true when flowControl is set.'),
        queueDepthThreshold: z.int().min(1).default(5).describe('A pod with this many waiting requests is saturated. Default 5.'),
        kvCacheUsageThreshold: z.number().gt(0).max(1).default(0.8).describe('A pod at this KV use (0-1) is saturated. Default 0.8.'),
        maxQueueSize: z.int().min(0).default(10000).describe('Requests held at most; beyond it new requests are refused with 429. Default 10000.'),
        maxWaitMs: z.int().min(1).default(30000).describe('Longest hold when every pod is saturated. Default 30000.'),
        objectives: z.record(z.string(), z.int()).optional().describe('Objective name -> priority (negative is sheddable).'),
      })
      .strict()
      .optional()
      .describe('Hold requests while every pod is saturated; shed sheddable ones.'),
  })
  .strict();
export type InferenceGatewaySpec = z.infer<typeof inferenceGatewaySpec>;

export const inferenceGatewayStatus = z
  .object({
    observedGeneration: z.int().min(0).optional().describe('The .metadata.generation the status was written for.'),
    conditions: z.array(condition).optional().meta({ 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': ['type'] }).describe('Ready, Progressing and Degraded, with reasons.'),
    readyReplicas: z.int().min(0).optional().describe('Ready gateway pods.'),
    endpoint: z.string().optional().describe('host:port of the OpenAI API (the gateway Service).'),
  })
  .strict();
