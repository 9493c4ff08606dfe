// SchedulingPolicy and CachePolicy: how requests are routed and how KV blocks are kept, shared by any
// number of LLMDeployments and InferenceGateways.
import { z } from 'zod';
import { withRules } from './cel-rules';
import { cacheTiers, condition } from './common';

export const SCHEDULING_POLICY_KIND = 'SchedulingPolicy';
export const CACHE_POLICY_KIND = 'CachePolicy';

const policyStatus = z
  .object({
    observedGeneration: z.int().min(0).optional().describe('The .metadata.generation the status was written for.'),
    conditions: z.array(condition).optional().meta({ 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': ['type'] }).describe('Ready and the reasons it is not.'),
  })
  .strict();

export const pluginRef = z
  .object({
    type: z.string().min(1).describe('Plugin type as the scheduler registers it, e.g. precise-prefix-cache-scorer, queue-depth-scorer, kv-cache-utilization-scorer.'),
    name: z.string().min(1).optional().describe('Instance name, when one type is used twice.'),
    weight: z.number().min(0).optional().describe('Scorer weight.'),
    parameters: z.object({}).passthrough().meta({ 'x-kubernetes-preserve-unknown-fields': true }).optional().describe("The plugin's own parameters, as its README lists them."),
  })
  .strict();

export const schedulingPolicySpec = withRules(
  z
    .object({
      strategy: z
        .enum(['cache-affinity', 'load-balanced', 'latency-optimized', 'throughput-optimized'])
        .optional()
        .describe('A shipped strategy: cache-affinity (precise prefix + load), load-balanced (queue and KV load only), latency-optimized (prefix + predicted latency), throughput-optimized (prefix + KV headroom, P/D aware).'),
      plugins: z.array(pluginRef).min(1).optional().describe('Explicit scheduler plugins and weights, instead of a strategy.'),
    })
    .strict(),
  [
    {
      rule: 'has(self.strategy) != has(self.plugins)',
      message: 'set exactly one of strategy and plugins',
      holds: (self) => (self.strategy !== undefined) !== (self.plugins !== undefined),
    },
  ],
);
export type SchedulingPolicySpec = z.infer<typeof schedulingPolicySpec>;
export const schedulingPolicyStatus = policyStatus;

export const cachePolicySpec = z
  .object({
    tiers: cacheTiers.optional().describe('KV cache tiers for deployments that set none, each type at most once.'),
    eviction: z.enum(['lru']).default('lru').describe("How the cache-manager's index makes room when full: lru evicts the least recently stored blocks first. Default lru."),
    maxIndexedBlocks: z.int().min(1).optional().describe("Blocks the cache-manager's index keeps at most, before eviction."),
    prefixDeduplication: z.boolean().default(true).describe('Share identical prefix blocks across requests (vLLM prefix caching). Default true.'),
    blockSize: z.int().min(1).max(1024).default(16).describe('Tokens per KV block. Default 16.'),
    hashAlgorithm: z.enum(['sha256_cbor', 'sha256', 'builtin']).default('sha256_cbor').describe("vLLM's --prefix-caching-hash-algo. Default sha256_cbor."),
    kvEvents: z
      .object({
        enabled: z.boolean().default(true).describe('Pods publish KV events to the cache-manager. Default true.'),
        port: z.int().min(1).max(65535).default(5557).describe('ZMQ publisher port on each pod. Default 5557.'),
        replayPort: z.int().min(1).max(65535).optional().describe('ZMQ replay port, when set.'),
      })
      .strict()
      .prefault({ enabled: true, port: 5557 })
      .describe("KV events (vLLM's --kv-events-config): each pod publishes its stored and evicted blocks to the cache-manager."),
    preload: z
      .array(
        z
          .object({
            model: z.string().min(1).optional().describe('The model to send the prompt to; default every model using the policy.'),
            prompt: z.string().min(1).describe('The prompt text whose prefix should be cached.'),
          })
          .strict(),
      )
      .optional()
      .describe('Prompts (e.g. system prompts) sent to each new pod when it becomes ready, so their prefix is cached before traffic.'),
  })
  .strict();
export type CachePolicySpec = z.infer<typeof cachePolicySpec>;
export const cachePolicyStatus = policyStatus;
