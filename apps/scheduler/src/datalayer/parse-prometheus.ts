// Reads the gauges the scheduler needs out of Prometheus text exposition (vLLM's or SGLang's names).

export interface ScrapedLoad {
  waiting: number;
  running: number;
  kvCacheUsage: number;
  /** Cumulative counters, for rates over an interval. */
  counters: ScrapedCounters;
  /** From vllm:lora_requests_info (the newest series), when the pod serves LoRA adapters. */
  lora?: { running: string[]; waiting: string[]; max: number };
}

export interface ScrapedCounters {
  prefixQueries: number;
  prefixHits: number;
  promptTokens: number;
  generationTokens: number;
}

/** Which engine's metric names an endpoint exposes. */
export type MetricsFormat = 'vllm' | 'sglang';

interface MetricNames {
  waiting: string;
  running: string;
  kv: string;
  prefixQueries: string;
  prefixHits: string;
  promptTokens: string;
  generationTokens: string;
}

const NAMES: Record<MetricsFormat, MetricNames> = {
  vllm: {
    waiting: 'vllm:num_requests_waiting',
    running: 'vllm:num_requests_running',
    kv: 'vllm:kv_cache_usage_perc',
    prefixQueries: 'vllm:prefix_cache_queries_total',
    prefixHits: 'vllm:prefix_cache_hits_total',
    promptTokens: 'vllm:prompt_tokens_total',
    generationTokens: 'vllm:generation_tokens_total',
  },
  // SGLang reports its queue, batch and token-pool use; it has no prefix query/hit counters.
  sglang: {
    waiting: 'sglang:num_queue_reqs',
    running: 'sglang:num_running_reqs',
    kv: 'sglang:token_usage',
    prefixQueries: 'sglang:prefix_cache_queries_total',
    prefixHits: 'sglang:prefix_cache_hits_total',
    promptTokens: 'sglang:prompt_tokens_total',
    generationTokens: 'sglang:generation_tokens_total',
  },
};
const WANTED: Record<MetricsFormat, Set<string>> = { vllm: new Set(Object.values(NAMES.vllm)), sglang: new Set(Object.values(NAMES.sglang)) };

/**
 * Sums each metric over its series (one per model_name); missing metrics read as 0. Any text is read
 * without an error: a line that is not a sample is skipped, and a sum that is negative or not finite
 * (a broken or hostile pod) reads as 0, so no score downstream sees NaN or a negative queue.
 */
export function parseVllmLoad(text: string, format: MetricsFormat = 'vllm'): ScrapedLoad {
  const VLLM = NAMES[format];
  const sums = new Map<string, number>();
  let lora: ScrapedLoad['lora'];
  let loraAt = -Infinity;
  for (const line of text.split('\n')) {
    if (line.length === 0 || line.charCodeAt(0) === 35 /* # */) continue;
    if (line.startsWith('vllm:lora_requests_info{')) {
      const at = Number(line.slice(line.lastIndexOf(' ') + 1));
      if (at >= loraAt) {
        loraAt = at;
        lora = parseLoraInfo(line);
      }
      continue;
    }
    const brace = line.indexOf('{');
    const space = line.lastIndexOf(' ');
    if (space < 0) continue;
    const name = brace >= 0 && brace < space ? line.slice(0, brace) : line.slice(0, line.indexOf(' '));
    if (!WANTED[format].has(name)) continue;
    const value = Number(line.slice(space + 1));
    if (Number.isFinite(value)) sums.set(name, (sums.get(name) ?? 0) + value);
  }
  const get = (n: string) => {
    const v = sums.get(n) ?? 0;
    return Number.isFinite(v) && v > 0 ? v : 0;
  };
  return {
    waiting: get(VLLM.waiting),
    running: get(VLLM.running),
    kvCacheUsage: Math.min(1, get(VLLM.kv)),
    counters: { prefixQueries: get(VLLM.prefixQueries), prefixHits: get(VLLM.prefixHits), promptTokens: get(VLLM.promptTokens), generationTokens: get(VLLM.generationTokens) },
    lora,
  };
}

function parseLoraInfo(line: string): ScrapedLoad['lora'] {
  const label = (name: string) => line.match(new RegExp(`${name}="([^"]*)"`))?.[1] ?? '';
  const list = (v: string) => v.split(',').map((s) => s.trim()).filter(Boolean);
  const max = Number(label('max_lora'));
  return { running: list(label('running_lora_adapters')), waiting: list(label('waiting_lora_adapters')), max: Number.isFinite(max) && max > 0 ? max : 0 };
}
