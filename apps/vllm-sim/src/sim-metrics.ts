// vLLM's Prometheus metrics, with vLLM's names and `model_name` label, so scrapers cannot tell the simulator apart.
import { Counter, Gauge, Histogram, Registry } from 'prom-client';

const TTFT_BUCKETS = [0.001, 0.005, 0.01, 0.02, 0.04, 0.06, 0.08, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10, 20, 40, 80, 160, 640, 2560];
const ITL_BUCKETS = [0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5, 0.75, 1, 2.5, 5, 7.5, 10, 20, 40, 80];
const E2E_BUCKETS = [0.3, 0.5, 0.8, 1, 1.5, 2, 2.5, 5, 10, 15, 20, 30, 40, 50, 60, 120, 240, 480, 960, 1920, 7680];

export class SimMetrics {
  readonly registry = new Registry();
  readonly running: Gauge<'model_name'>;
  readonly waiting: Gauge<'model_name'>;
  readonly kvUsage: Gauge<'model_name'>;
  readonly prefixQueries: Counter<'model_name'>;
  readonly prefixHits: Counter<'model_name'>;
  readonly preemptions: Counter<'model_name'>;
  readonly promptTokens: Counter<'model_name'>;
  readonly generationTokens: Counter<'model_name'>;
  readonly ttft: Histogram<'model_name'>;
  readonly itl: Histogram<'model_name'>;
  readonly e2e: Histogram<'model_name'>;
  readonly queueTime: Histogram<'model_name'>;
  readonly loraInfo: Gauge<'max_lora' | 'running_lora_adapters' | 'waiting_lora_adapters'>;
  /** Simulator-only: prompt tokens actually computed (cache hits and received KV excluded). */
  readonly prefillComputed: Counter<'model_name'>;
  /** Simulator-only: KV pulled from a prefill pod (P/D), and pulls that failed. */
  readonly kvTransferTokens: Counter<'model_name'>;
  readonly kvTransferFailures: Counter<'model_name'>;

  /** Simulator-only: how well the process keeps the model's step times (see EngineDriver). */
  trackDriver(stats: { steps: number; modelTotalMs: number; lagTotalMs: number; lagMaxMs: number }): void {
    const registers = [this.registry];
    new Gauge({ name: 'llmd_sim_engine_steps', help: 'Engine steps run since start', registers, collect() { this.set(stats.steps); } });
    new Gauge({ name: 'llmd_sim_engine_step_model_seconds', help: 'Wall-clock seconds the steps should have taken (model time x time scale), since start', registers, collect() { this.set(stats.modelTotalMs / 1000); } });
    new Gauge({ name: 'llmd_sim_engine_step_lag_seconds', help: 'Wall-clock seconds by which steps ended later than the model says, since start', registers, collect() { this.set(stats.lagTotalMs / 1000); } });
  }

  /** vLLM sets this gauge to the time of the last update, one series with the current adapters. */
  setLoraInfo(maxLoras: number, running: string[], waiting: string[]): void {
    this.loraInfo.reset();
    this.loraInfo.set({ max_lora: String(maxLoras), running_lora_adapters: running.join(','), waiting_lora_adapters: waiting.join(',') }, Date.now() / 1000);
  }

  constructor(readonly modelName: string, cache: { blockSize: number; numGpuBlocks: number }) {
    const registers = [this.registry];
    const labelNames = ['model_name'] as const;
    this.running = new Gauge({ name: 'vllm:num_requests_running', help: 'Number of requests in model execution batches.', labelNames, registers });
    this.waiting = new Gauge({ name: 'vllm:num_requests_waiting', help: 'Number of requests waiting to be processed.', labelNames, registers });
    this.kvUsage = new Gauge({ name: 'vllm:kv_cache_usage_perc', help: 'KV-cache usage. 1 means 100 percent usage.', labelNames, registers });
    this.prefixQueries = new Counter({ name: 'vllm:prefix_cache_queries_total', help: 'Prefix cache queries, in terms of number of queried tokens.', labelNames, registers });
    this.prefixHits = new Counter({ name: 'vllm:prefix_cache_hits_total', help: 'Prefix cache hits, in terms of number of cached tokens.', labelNames, registers });
    this.preemptions = new Counter({ name: 'vllm:num_preemptions_total', help: 'Cumulative number of preemption from the engine.', labelNames, registers });
    this.promptTokens = new Counter({ name: 'vllm:prompt_tokens_total', help: 'Number of prefill tokens processed.', labelNames, registers });
    this.generationTokens = new Counter({ name: 'vllm:generation_tokens_total', help: 'Number of generation tokens processed.', labelNames, registers });
    this.ttft = new Histogram({ name: 'vllm:time_to_first_token_seconds', help: 'Histogram of time to first token in seconds.', labelNames, buckets: TTFT_BUCKETS, registers });
    this.itl = new Histogram({ name: 'vllm:inter_token_latency_seconds', help: 'Histogram of inter-token latency in seconds.', labelNames, buckets: ITL_BUCKETS, registers });
    this.e2e = new Histogram({ name: 'vllm:e2e_request_latency_seconds', help: 'Histogram of e2e request latency in seconds.', labelNames, buckets: E2E_BUCKETS, registers });
    this.queueTime = new Histogram({ name: 'vllm:request_queue_time_seconds', help: 'Histogram of time spent in WAITING phase for request.', labelNames, buckets: E2E_BUCKETS, registers });
    const info = new Gauge({ name: 'vllm:cache_config_info', help: 'Information of the LLMEngine CacheConfig', labelNames: ['block_size', 'num_gpu_blocks'], registers });
    info.set({ block_size: String(cache.blockSize), num_gpu_blocks: String(cache.numGpuBlocks) }, 1);
    this.loraInfo = new Gauge({ name: 'vllm:lora_requests_info', help: 'Running stats on lora requests.', labelNames: ['max_lora', 'running_lora_adapters', 'waiting_lora_adapters'], registers });
    this.prefillComputed = new Counter({ name: 'llmd_sim_prefill_computed_tokens_total', help: 'Prompt tokens computed by this pod (not served from cache or received from a prefill pod)', labelNames, registers });
    this.kvTransferTokens = new Counter({ name: 'llmd_sim_kv_transfer_tokens_total', help: 'Tokens of KV pulled from prefill pods', labelNames, registers });
    this.kvTransferFailures = new Counter({ name: 'llmd_sim_kv_transfer_failures_total', help: 'KV pulls that failed (the prompt was recomputed here)', labelNames, registers });
    for (const m of [this.running, this.waiting, this.kvUsage]) m.set({ model_name: modelName }, 0);
    for (const c of [this.prefixQueries, this.prefixHits, this.preemptions, this.promptTokens, this.generationTokens, this.prefillComputed, this.kvTransferTokens, this.kvTransferFailures]) c.inc({ model_name: modelName }, 0);
  }
}
