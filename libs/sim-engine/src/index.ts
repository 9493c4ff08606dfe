// The simulated vLLM engine (pure): GPU step costs (@llmd/gpu-cost), KV block pool with prefix
// caching and a CPU tier, and the continuous-batching engine core as a step function over a clock.
// vllm-sim drives it in real time; the benchmarks drive it on a virtual clock.
export * from './block-hash';
export * from './block-pool';
// The cost tables live in @llmd/gpu-cost (the scheduler predicts with them too); re-exported for the engine's users.
export * from '@llmd/gpu-cost';
export * from './engine-core';
export * from './engine-types';
export * from './kv-events';
export * from './text-generator';
