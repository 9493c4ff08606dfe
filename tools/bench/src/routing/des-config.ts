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
  cachedTokens: number;
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
}
