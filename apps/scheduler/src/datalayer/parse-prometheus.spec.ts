import { parseVllmLoad } from './parse-prometheus';

describe('parseVllmLoad', () => {
  it.each([
    [
      'vLLM exposition',
      '# HELP vllm:num_requests_waiting x\n# TYPE vllm:num_requests_waiting gauge\nvllm:num_requests_waiting{model_name="m"} 4\nvllm:num_requests_running{model_name="m"} 7\nvllm:kv_cache_usage_perc{model_name="m"} 0.25\n',
      { waiting: 4, running: 7, kvCacheUsage: 0.25 },
    ],
    [
      'counters',
      'vllm:prefix_cache_queries_total{model_name="m"} 100\nvllm:prefix_cache_hits_total{model_name="m"} 40\nvllm:prompt_tokens_total{model_name="m"} 900\nvllm:generation_tokens_total{model_name="m"} 50\n',
      { waiting: 0, running: 0, kvCacheUsage: 0, counters: { prefixQueries: 100, prefixHits: 40, promptTokens: 900, generationTokens: 50 } },
    ],
    ['two models on one pod', 'vllm:num_requests_waiting{model_name="a"} 1\nvllm:num_requests_waiting{model_name="b"} 2\n', { waiting: 3, running: 0, kvCacheUsage: 0 }],
    ['no labels', 'vllm:num_requests_running 5\n', { waiting: 0, running: 5, kvCacheUsage: 0 }],
    [
      'LoRA info, newest series wins',
      'vllm:lora_requests_info{max_lora="2",running_lora_adapters="a",waiting_lora_adapters=""} 10\nvllm:lora_requests_info{max_lora="2",running_lora_adapters="a,b",waiting_lora_adapters="c"} 20\n',
      { lora: { running: ['a', 'b'], waiting: ['c'], max: 2 } },
    ],
    ['unrelated and broken lines', 'process_cpu_seconds_total 3\ngarbage\nvllm:num_requests_waiting{model_name="m"} NaN\n', { waiting: 0, running: 0, kvCacheUsage: 0 }],
  ])('%s', (_name, text, expected) => {
    expect(parseVllmLoad(text)).toMatchObject(expected);
  });

  it('reads SGLang names when the endpoint is SGLang', () => {
    const text = 'sglang:num_queue_reqs{model_name="m"} 3\nsglang:num_running_reqs{model_name="m"} 9\nsglang:token_usage{model_name="m"} 0.5\nvllm:num_requests_waiting 99\n';
    expect(parseVllmLoad(text, 'sglang')).toMatchObject({ waiting: 3, running: 9, kvCacheUsage: 0.5 });
  });
});
