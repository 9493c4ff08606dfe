import { Registry } from '@llmd/platform';
import type { PodScore } from '@llmd/kv-index';
import { ScoreHitMetrics } from './score-hit-metrics';

const pod = (name: string, score: number, gpu: number, cpu = 0, disk = 0): PodScore => ({ pod: name, score, hit: { gpu, cpu, disk } });

async function values(registry: Registry): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const m of await registry.getMetricsAsJSON()) for (const v of m.values) out[v.labels.tier ? `${m.name}{${v.labels.tier}}` : m.name] = v.value;
  return out;
}

describe('ScoreHitMetrics', () => {
  it.each([
    ['no pod holds anything', 8, [], { prompt: 8, gpu: 0, cpu: 0, disk: 0 }],
    ['the best-scoring pod counts, not the one with most GPU blocks', 8, [pod('a', 0.2, 4), pod('b', 0.9, 2, 4, 1)], { prompt: 8, gpu: 2, cpu: 4, disk: 1 }],
    ['one pod', 4, [pod('a', 1, 4)], { prompt: 4, gpu: 4, cpu: 0, disk: 0 }],
  ] as const)('%s', async (_name, promptBlocks, scores, want) => {
    const registry = new Registry();
    new ScoreHitMetrics(registry).record(promptBlocks, scores);
    expect(await values(registry)).toMatchObject({
      llmd_cache_manager_score_prompt_blocks_total: want.prompt,
      'llmd_cache_manager_score_hit_blocks_total{gpu}': want.gpu,
      'llmd_cache_manager_score_hit_blocks_total{cpu}': want.cpu,
      'llmd_cache_manager_score_hit_blocks_total{disk}': want.disk,
    });
  });

  it('counts what each Score\'s token ids cost, by how they were had', async () => {
    const registry = new Registry();
    const m = new ScoreHitMetrics(registry);
    m.tokenized({ kind: 'prefix', tokens: 6240, tokenized: 240, ms: 0.4 });
    m.tokenized({ kind: 'cached', tokens: 8000, tokenized: 0, ms: 0.01 });
    m.tokenized({ kind: 'prefix', tokens: 260, tokenized: 260, ms: 0.6 });
    const text = await registry.metrics();
    expect(text).toContain('llmd_cache_manager_score_tokenized_tokens_total{kind="prefix"} 500');
    expect(text).toContain('llmd_cache_manager_score_tokenized_tokens_total{kind="cached"} 0');
    expect(text).toContain('llmd_cache_manager_score_tokenize_seconds_count{kind="prefix"} 2');
  });
});
