// The scheduler's view of one vLLM endpoint: identity, role, and the data layer's latest load figures.

export type EndpointRole = 'both' | 'prefill' | 'decode';

export interface EndpointMetrics {
  /** vllm:num_requests_waiting */
  waiting: number;
  /** vllm:num_requests_running */
  running: number;
  /** vllm:kv_cache_usage_perc, in [0,1] */
  kvCacheUsage: number;
  /** When the figures were scraped (unix ms); 0 before the first scrape. */
  scrapedAtMs: number;
  /** LoRA adapters in running and waiting requests (vllm:lora_requests_info), and the pod's slot count. */
  loraRunning?: readonly string[];
  loraWaiting?: readonly string[];
  maxLoras?: number;
}

export interface Endpoint {
  id: string;
  /** host:port of the vLLM HTTP server. */
  address: string;
  models: readonly string[];
  loraAdapters: readonly string[];
  role: EndpointRole;
  labels: Readonly<Record<string, string>>;
  metrics: EndpointMetrics;
  /** Requests this scheduler assigned and that have not completed yet. */
  inFlight: number;
  /** Estimated tokens (prompt + max completion) of those requests. */
  inFlightTokens?: number;
  /**
   * Prompt tokens of those requests still waiting for their first token: the prefill work this
   * scheduler has queued on the endpoint and not yet heard the end of (the caller reports each first
   * token). Fresh at every pick, unlike a scrape.
   */
  inFlightPrefillTokens?: number;
  /** Reachable and scraped within the staleness bound. */
  healthy: boolean;
}
