// The simulated vLLM engine (pure): GPU cost model from measured tables, KV block pool with prefix
// caching and a CPU tier, and the continuous-batching engine core as a step function over a clock.
// vllm-sim drives it in real time; the benchmarks drive it on a virtual clock.
export * from './block-hash';
export * from './block-pool';
export * from './cost-model';
export * from './engine-core';
export * from './engine-types';
export * from './kv-events';
export * from './text-generator';
