// The cache hit rate by tier that Score sees: of each request's prompt blocks, how many the
// best-scoring pod holds on GPU, CPU and disk (hit rate per tier = hit blocks / prompt blocks); and
// what getting each Score's token ids cost.
import { Counter, Histogram, Registry } from '@llmd/platform';
import type { PodScore, ScoreTokenization } from '@llmd/kv-index';

export class ScoreHitMetrics {
  private readonly promptBlocks: Counter;
  private readonly hitBlocks: Counter<'tier'>;
  private readonly tokenizeSeconds: Histogram<'kind'>;
  private readonly tokens: Counter<'kind'>;

  constructor(registry: Registry) {
    const registers = [registry];
    this.promptBlocks = new Counter({ name: 'llmd_cache_manager_score_prompt_blocks_total', help: 'Prompt blocks of the Score requests answered (at the model\'s block size)', registers });
    this.hitBlocks = new Counter({ name: 'llmd_cache_manager_score_hit_blocks_total', help: 'Blocks of those prompts cached on the best-scoring pod, by tier (gpu, cpu, disk)', labelNames: ['tier'], registers });
    // Every tier present from the start, so a hit-rate panel shows 0 rather than no data.
    for (const tier of ['gpu', 'cpu', 'disk']) this.hitBlocks.inc({ tier }, 0);
    const kinds = 'ids (sent as token ids), cached (tokenized by an earlier call), whole (tokenized to the end), prefix (tokenized only as far as some pod holds it)';
    this.tokenizeSeconds = new Histogram({ name: 'llmd_cache_manager_score_tokenize_seconds', help: `Time each Score spent getting the prompt's token ids, by kind: ${kinds}`, labelNames: ['kind'], buckets: [0.0001, 0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05], registers });
    this.tokens = new Counter({ name: 'llmd_cache_manager_score_tokenized_tokens_total', help: `Tokens each Score tokenized itself (not already tokenized by an earlier call), by kind (${kinds})`, labelNames: ['kind'], registers });
  }

  /** What a Score's token ids cost. */
  tokenized(t: ScoreTokenization): void {
    this.tokenizeSeconds.observe({ kind: t.kind }, t.ms / 1000);
    this.tokens.inc({ kind: t.kind }, t.tokenized);
  }

  record(promptBlocks: number, scores: readonly PodScore[]): void {
    this.promptBlocks.inc(promptBlocks);
    const best = scores.reduce<PodScore | undefined>((b, s) => (!b || s.score > b.score ? s : b), undefined);
    if (!best) return;
    this.hitBlocks.inc({ tier: 'gpu' }, best.hit.gpu);
    this.hitBlocks.inc({ tier: 'cpu' }, best.hit.cpu);
    this.hitBlocks.inc({ tier: 'disk' }, best.hit.disk);
  }
}
