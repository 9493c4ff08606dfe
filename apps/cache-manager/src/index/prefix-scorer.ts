// KvCache.Score's work: the prompt's token ids (tokenized exactly as vLLM would), llmd's block keys,
// one walk of the index, and a tier-weighted score per pod.
import { tokenBlockKeys } from '@llmd/prefix-hash';
import { KvBlockIndex, lookupWithSpeculation, PrefixHit, SpeculativeEntries } from '@llmd/kv-index';
import type { Llama3Tokenizer } from '@llmd/tokenizer';

export type ScoreInput = { kind: 'tokens'; ids: number[] } | { kind: 'prompt'; text: string } | { kind: 'chat'; messages: { role: string; content: string }[] };

export interface PodScore {
  pod: string;
  hit: PrefixHit;
  score: number;
}

export class PrefixScorer {
  private readonly speculative = new SpeculativeEntries();
  private lastSweep = 0;

  constructor(
    private readonly index: KvBlockIndex,
    private readonly tokenizer: Llama3Tokenizer,
    private readonly options: { blockSize: number; modelBlockSizes: Record<string, number>; hashSeed: number; tierWeights: { gpu: number; cpu: number; disk: number }; speculativeTtlMs: number },
    private readonly now: () => number = Date.now,
  ) {}

  /** The block size of `model`'s pods. */
  blockSizeOf(model: string): number {
    return this.options.modelBlockSizes[model] ?? this.options.blockSize;
  }

  /** Records a prompt's blocks on `pod` for a short time (until its KV events arrive). */
  async speculate(input: ScoreInput, model: string, pod: string, lora: string | undefined, ttlMs: number): Promise<number> {
    const keys = tokenBlockKeys(await this.tokens(input), this.blockSizeOf(model), { seed: this.options.hashSeed, extra: lora || undefined });
    this.speculative.record(pod, keys, this.now() + (ttlMs > 0 ? ttlMs : this.options.speculativeTtlMs));
    return keys.length;
  }

  async tokens(input: ScoreInput): Promise<number[]> {
    if (input.kind === 'tokens') return input.ids;
    if (input.kind === 'prompt') return this.tokenizer.encodePrompt(input.text);
    return this.tokenizer.encodeChat(input.messages);
  }

  async score(input: ScoreInput, model: string, pods: readonly string[], lora?: string): Promise<{ promptBlocks: number; scores: PodScore[] }> {
    const ids = await this.tokens(input);
    const keys = tokenBlockKeys(ids, this.blockSizeOf(model), { seed: this.options.hashSeed, extra: lora || undefined });
    const now = this.now();
    if (now - this.lastSweep > 1000) {
      this.speculative.sweep(now);
      this.lastSweep = now;
    }
    const hits = lookupWithSpeculation(this.index, this.speculative, keys, pods.length > 0 ? pods : undefined, now);
    const w = this.options.tierWeights;
    const scores = [...hits].map(([pod, hit]) => ({
      pod,
      hit,
      score: keys.length === 0 ? 0 : (hit.gpu * w.gpu + (hit.cpu - hit.gpu) * w.cpu + (hit.disk - hit.cpu) * w.disk) / keys.length,
    }));
    return { promptBlocks: keys.length, scores };
  }
}
