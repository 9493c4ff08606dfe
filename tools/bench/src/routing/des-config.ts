// The cluster-scale simulator's options and results (runDes in ./des).
import type { EndpointRole, FlowControlPolicy } from '@llmd/scoring';
import type { TierWeights } from '@llmd/kv-index';
import type { TokenizeCost } from './tokenize-cost';

export const DES_MODEL = 'bench/llama-3-8b';

/** How the simulated clients send prompts (DesConfig.promptMode). */
export type PromptMode = 'token-ids' | 'text';

export interface DesConfig {
  pods: number;
  /** A shipped scheduling configuration (random, round-robin, load-only, approx-prefix, precise-prefix, pd). */
  profile: string;
  /** vllm-sim's --gpu-profile. @default 'llama-3-8b' */
  gpuProfile?: string;
  /** Roles by pod index (P/D); every pod serves both when absent. */
  roles?: EndpointRole[];
  seed?: number;
  /** How often the scheduler scrapes each pod's load. @default 50 */
  scrapeIntervalMs?: number;
  /** From a pod's step to its KV events in the precise index (ZMQ, Kafka, cache-manager). @default 20 */
  kvEventDelayMs?: number;
  /** How long the precise index counts a just-routed prompt as cached on its pod (cache-manager's speculative entries). @default 2000 */
  speculativeTtlMs?: number;
  /** vllm-sim's defaults. */
  maxNumSeqs?: number;
  maxNumBatchedTokens?: number;
  blockSize?: number;
  gpuMemoryUtilization?: number;
  /** P/D KV transfer link. @default 25 */
  linkGbps?: number;
  /** Each pod's CPU offload tier, in blocks (vLLM's KV offloading); the index learns it from CPU-medium events. @default 0 */
  cpuBlocks?: number;
  /** cache-manager's tier weights for its Score. @default DEFAULT_TIER_WEIGHTS (its config's defaults) */
  tierWeights?: TierWeights;
  /**
   * Flow control, over the scheduler's defaults. @default disabled, as the live routing study runs the
   * scheduler (LLMD_SCHEDULER_FLOW_CONTROL_ENABLED=false), so the two stay comparable.
   */
  flowControl?: Partial<FlowControlPolicy>;
  /**
   * How clients send prompts. 'token-ids': nothing to tokenize. 'text' (chat messages as text): each
   * request's Score tokenizes it in cache-manager (on `tokenizerWorkers`, queued in arrival order,
   * inside the Pick's precise-lookup deadline: a late lookup falls back to the approximate index), and
   * each pod tokenizes it again before its engine sees it. @default 'token-ids'
   */
  promptMode?: PromptMode;
  /** Cost of tokenizing one text prompt. @default TEXT_TOKENIZE_COST (measured) */
  tokenizeCost?: TokenizeCost;
  /** cache-manager's concurrent tokenizations (text mode). @default 1 */
  tokenizerWorkers?: number;
  /**
   * Pools whose replicas change over the run (pods start up, take traffic once ready, drain when
   * removed). Replaces `pods` and `roles`; absent, the fleet is fixed, as in the routing study.
   */
  autoscaling?: DesAutoscaling;
  /** Called about every 10 wall-clock seconds of a long run: requests finished, simulated and wall ms. */
  progress?: (p: { finished: number; total: number; simMs: number; wallMs: number }) => void;
}

export interface RequestOutcome {
  id: string;
  pod: string;
  prefillPod?: string;
  arrivalMs: number;
  ttftMs: number;
  /** Mean gap between output tokens (0 with a single token). */
  itlMs: number;
  e2eMs: number;
  /** From arrival to the scheduler's decision: flow control's hold and, for text prompts, the Score's tokenization. */
  pickMs: number;
  /** When its last token came (arrivalMs + e2eMs). */
  endMs: number;
  promptTokens: number;
  /** Prompt tokens the serving pod did not compute: its prefix cache, and in P/D the KV pulled from the prefill pod. */
  cachedTokens: number;
  /** P/D: prompt tokens the prefill pod found in its own prefix cache (its prefill computed the rest). */
  prefillCachedTokens?: number;
  outputTokens: number;
}

export interface DesResult {
  outcomes: RequestOutcome[];
  /** Simulated ms from the first arrival to the last completion. */
  durationMs: number;
  /** The pods' own prefix-cache counters (queried and hit prompt tokens). */
  prefixQueries: number;
  prefixHits: number;
  requestsPerPod: Record<string, number>;
  /** Requests flow control refused, with its reason (none while it is off). */
  refused: { id: string; reason: string }[];
  /** Picks whose precise lookup failed (in text mode: tokenizing past its deadline) and fell back to the approximate index. */
  preciseFallbacks: number;
  /** Wall-clock ms the simulation took. */
  wallMs: number;
  /** What the pods' engines did, summed over pods: where a run's throughput went. */
  engine: DesEngineTotals;
  /** The fleet's life when autoscaled. */
  fleet?: DesFleetResult;
}

/** The engines' work over a run, summed over pods. */
export interface DesEngineTotals {
  /** Simulated ms the pods spent in steps. */
  busyMs: number;
  steps: number;
  /** Sequences in each step, summed over steps (their mean is the batch size), and of them the decode-only ones. */
  sequences: number;
  decodes: number;
  /** Prompt tokens computed (not found in the prefix cache). */
  prefillTokens: number;
  preemptions: number;
}

/** A pool's role: unified pods serve whole requests; prefill and decode pods one side of P/D. */
export type DesPoolRole = 'unified' | 'prefill' | 'decode';

/** One pool of an autoscaled run (DesConfig.autoscaling). */
export interface DesPoolSpec {
  name: string;
  role: DesPoolRole;
  /** Ready pods at the start of the run. */
  replicas: number;
  /** GPUs each pod holds (tensor parallelism). @default 1 */
  gpusPerPod?: number;
}

/** One ready pod's load as the scheduler scraped it last (the shape of llmd.endpoint-load.v1's figures). */
export interface DesReplicaLoad {
  id: string;
  kvCacheUsage: number;
  waiting: number;
  running: number;
}

/** What a pool's scaler sees every sync period. */
export interface DesPoolObservation {
  pool: string;
  role: DesPoolRole;
  nowMs: number;
  /** The replicas asked for now (the scale subresource's spec.replicas). */
  specReplicas: number;
  readyReplicas: number;
  /** Pods created and still loading the model. */
  startingReplicas: number;
  /** Pods removed from the endpoint list that still finish their requests (not counted in specReplicas). */
  drainingReplicas: number;
  load: DesReplicaLoad[];
  /** Each ready pod's share of the last sync period its engine spent stepping (GPU busy), in [0, 1]. */
  busy: number[];
}

/**
 * The autoscaler hook of one pool: asked every sync period for the replicas it wants, told of the
 * pool's finished requests and of its pods' start-up times. The bench's policies and baselines all
 * plug in here; the DES owns the pods (start-up, endpoint list, drain, GPU time).
 */
export interface DesPoolScaler {
  desiredReplicas(obs: DesPoolObservation): number;
  /** A request this pool served finished (a P/D request reaches both its pools). */
  requestFinished?(outcome: RequestOutcome): void;
  /** One of its pods became ready this many seconds after it was created. */
  podReady?(startupSeconds: number): void;
}

/**
 * A changing fleet: pools whose replicas a scaler sets over time (DesConfig.autoscaling). Requests
 * need a ready pod of their pool when they arrive (a pool scaled to zero is not simulated).
 */
export interface DesAutoscaling {
  pools: DesPoolSpec[];
  /** The scaler of each pool, by pool name. */
  scalers: Record<string, DesPoolScaler>;
  /** From a pod's creation to its readiness (scheduling, image pull, model load). @default 60 */
  startupSeconds?: number;
  /** How often each scaler is asked. @default 15 */
  syncSeconds?: number;
  /** The run lasts at least this long (simulated ms): the fleet runs and scales on after the last request. @default 0 */
  horizonMs?: number;
}

export interface DesPodLife {
  id: string;
  pool: string;
  gpus: number;
  createdMs: number;
  readyMs?: number;
  /** When it left the endpoint list (a removed ready pod drains from here). */
  removedMs?: number;
  /** When it stopped holding its GPUs (the end of the run for pods still up). */
  stoppedMs: number;
}

export interface DesScalingAction {
  atMs: number;
  pool: string;
  from: number;
  to: number;
}

/** The pool's state at each sync, after its scaler acted. */
export interface DesPoolSample {
  atMs: number;
  pool: string;
  specReplicas: number;
  readyReplicas: number;
  startingReplicas: number;
  drainingReplicas: number;
}

export interface DesFleetResult {
  pods: DesPodLife[];
  actions: DesScalingAction[];
  timeline: DesPoolSample[];
  /** GPU-hours of every pod from creation to stop (starting and draining included), by pool and in all. */
  gpuHoursByPool: Record<string, number>;
  gpuHours: number;
  /** Simulated ms the run ended at (the horizon, or the last completion past it). */
  endMs: number;
}
