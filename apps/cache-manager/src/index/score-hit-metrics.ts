// The cache hit rate by tier that Score sees: of each request's prompt blocks, how many the
// best-scoring pod holds on GPU, CPU and disk (hit rate per tier = hit blocks / prompt blocks).
import { Counter, Registry } from '@llmd/platform';
import type { PodScore } from './prefix-scorer';

export class ScoreHitMetrics {
  private readonly promptBlocks: Counter;
  private readonly hitBlocks: Counter<'tier'>;

  constructor(registry: Registry) {
    const registers = [registry];
    this.promptBlocks = new Counter({ name: 'llmd_cache_manager_score_prompt_blocks_total', help: 'Prompt blocks of the Score requests answered (at the model\'s block size)', registers });
    this.hitBlocks = new Counter({ name: 'llmd_cache_manager_score_hit_blocks_total', help: 'Blocks of those prompts cached on the best-scoring pod, by tier (gpu, cpu, disk)', labelNames: ['tier'], registers });
    // Every tier present from the start, so a hit-rate panel shows 0 rather than no data.
    for (const tier of ['gpu', 'cpu', 'disk']) this.hitBlocks.inc({ tier }, 0);
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
