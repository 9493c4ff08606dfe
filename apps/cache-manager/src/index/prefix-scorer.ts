// KvCache.Score's work: the prompt's token ids (tokenized exactly as vLLM would), llmd's block keys,
// one walk of the index, and a tier-weighted score per pod.
import { tokenBlockKeys } from '@llmd/prefix-hash';
import { KvBlockIndex, lookupWithSpeculation, PrefixHit, SpeculativeEntries, tierWeightedScore, type TierWeights } from '@llmd/kv-index';
import type { Llama3Tokenizer } from '@llmd/tokenizer';
import { BlockSizes } from './block-sizes';

export type ScoreInput = { kind: 'tokens'; ids: number[] } | { kind: 'prompt'; text: string } | { kind: 'chat'; messages: { role: string; content: string }[] };

export interface PodScore {
  pod: string;
  hit: PrefixHit;
  score: number;
}

export interface PrefixScorerOptions {
  hashSeed: number;
  tierWeights: TierWeights;
  speculativeTtlMs: number;
}

export class PrefixScorer {
  private readonly speculative = new SpeculativeEntries();
  private lastSweep = 0;

  constructor(
    private readonly index: KvBlockIndex,
    private readonly tokenizer: Llama3Tokenizer,
    private readonly options: PrefixScorerOptions,
    /** Each pod's block size, as its events report it (the configured one until they do). */
    private readonly blockSizes: BlockSizes,
    private readonly now: () => number = Date.now,
  ) {}

  /** The block size of `model`'s pods. */
  blockSizeOf(model: string): number {
    return this.blockSizes.ofModel(model);
  }

  /** Records a prompt's blocks on `pod` for a short time (until its KV events arrive). */
  async speculate(input: ScoreInput, model: string, pod: string, lora: string | undefined, ttlMs: number): Promise<number> {
    const keys = tokenBlockKeys(await this.tokens(input), this.blockSizes.ofPod(pod, model), { seed: this.options.hashSeed, extra: lora || undefined });
    this.speculative.record(pod, keys, this.now() + (ttlMs > 0 ? ttlMs : this.options.speculativeTtlMs));
    return keys.length;
  }

  async tokens(input: ScoreInput): Promise<number[]> {
    if (input.kind === 'tokens') return input.ids;
    if (input.kind === 'prompt') return this.tokenizer.encodePrompt(input.text);
    return this.tokenizer.encodeChat(input.messages);
  }

  /**
   * Each pod's cached prefix of the prompt. Named pods are looked up with keys cut at their own block
   * size (one group in the common case where every pod of a model uses the same); a score is the
   * pod's weighted hit over the prompt's blocks at that size, so scores compare across sizes.
   */
  async score(input: ScoreInput, model: string, pods: readonly string[], lora?: string): Promise<{ promptBlocks: number; scores: PodScore[] }> {
    const ids = await this.tokens(input);
    const now = this.now();
    if (now - this.lastSweep > 1000) {
      this.speculative.sweep(now);
      this.lastSweep = now;
    }
    const modelSize = this.blockSizes.ofModel(model);
    // Block size -> the pods asked about at that size; with none named, every pod with a hit, at the model's.
    const groups = new Map<number, string[] | undefined>();
    if (pods.length === 0) groups.set(modelSize, undefined);
    for (const pod of pods) {
      const size = this.blockSizes.ofPod(pod, model);
      const group = groups.get(size);
      if (group) group.push(pod);
      else groups.set(size, [pod]);
    }
    const scores: PodScore[] = [];
    for (const [size, asked] of groups) {
      const keys = tokenBlockKeys(ids, size, { seed: this.options.hashSeed, extra: lora || undefined });
      for (const [pod, hit] of lookupWithSpeculation(this.index, this.speculative, keys, asked, now)) {
        scores.push({ pod, hit, score: tierWeightedScore(hit, keys.length, this.options.tierWeights) });
      }
    }
    return { promptBlocks: Math.floor(ids.length / modelSize), scores };
  }
}
