// The step costs latency-aware plugins predict with, declared here (the consumer) so that the
// scheduling framework never depends on where they come from: the scheduler passes the measured GPU
// tables, the simulator the same tables its engine runs on, tests a table of their own.

export interface LatencyCostModel {
  /** One prefill pass over `tokens` new tokens with an empty cache, in ms. */
  prefillMs(tokens: number): number;
  /** One prefill pass over `newTokens` behind `cachedTokens` already in the KV cache, in ms. */
  prefillBehindMs(newTokens: number, cachedTokens: number): number;
  /** One decode step of `batch` sequences at mean context length `context`, in ms. */
  decodeStepMs(batch: number, context: number): number;
}

/** The cost model of a named GPU profile (e.g. `llama-3-8b`); throws when there is none by that name. */
export type LatencyCostModels = (gpuProfile: string) => LatencyCostModel;
