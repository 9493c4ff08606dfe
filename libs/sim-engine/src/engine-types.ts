// What goes into and comes out of the simulated engine core.
import type { SimKvEvent } from './kv-events';

export type FinishReason = 'stop' | 'length' | 'abort';

/** Deterministic next output token (the simulated model). */
export interface TokenSource {
  next(): { id: number; text: string };
}

export interface EngineRequest {
  id: string;
  /** Read, never written, and kept by reference: it must not change while the request runs. */
  promptTokenIds: readonly number[];
  maxTokens: number;
  /** The simulated model emits EOS after this many tokens, unless ignoreEos. */
  eosAfter: number;
  ignoreEos: boolean;
  stop: readonly string[];
  lora?: string;
  tokens: TokenSource;
  /** P/D decode side: this many prompt tokens arrive from the prefill pod instead of being computed. */
  remoteComputedTokens?: number;
  /** Simulated time the remote KV transfer takes before the request can be scheduled. */
  transferMs?: number;
  /** P/D prefill side: finish after the first token and hold the blocks for a decode pod to fetch. */
  holdForRemoteDecode?: boolean;
}

export interface TokenOutput {
  id: string;
  tokenId: number;
  text: string;
}

export interface FinishedOutput {
  id: string;
  reason: FinishReason;
  promptTokens: number;
  /** Prompt tokens not computed here: prefix-cache hits (GPU or CPU tier) and KV received from a prefill pod. */
  cachedTokens: number;
  generated: number;
  /** Blocks held for a remote decode (prefill side of P/D). */
  heldBlocks?: number[];
}

export interface StepOutput {
  /** Simulated time the step takes; its outputs are visible when it ends. */
  durationMs: number;
  tokens: TokenOutput[];
  /** Requests whose first token came in this step: time to first schedule, time to first token, prompt length. */
  firstTokens: { id: string; queueMs: number; ttftMs: number; promptTokens: number }[];
  finished: FinishedOutput[];
  kvEvents: SimKvEvent[];
  /** Prompt tokens computed (not cached) this step. */
  prefillTokens: number;
  /** Prompt tokens looked up in the prefix cache at admission, and how many hit. */
  prefixQueries: number;
  prefixHits: number;
  preemptions: number;
  /** Sequences in this step, and of them those that only decoded one token. */
  sequences: number;
  decodes: number;
}

export interface EngineOptions {
  maxNumSeqs: number;
  maxNumBatchedTokens: number;
  blockSize: number;
  numGpuBlocks: number;
  /** CPU tier size in blocks (--kv-offload-gib); 0 disables it. */
  cpuBlocks: number;
  enablePrefixCaching: boolean;
  /** 0 disables LoRA (requests naming an adapter are refused before they get here). */
  maxLoras: number;
  /** Seed of the block-hash chain. */
  hashSeed: number;
  /** How long blocks held for a remote decode stay before they are freed anyway. */
  remoteHoldTimeoutMs: number;
  /**
   * Report every sampled token in StepOutput.tokens (a server streams them). A simulator that needs only
   * first tokens and finishes turns this off: the engine then does no work per token beyond its state.
   * @default true
   */
  tokenOutputs?: boolean;
}
