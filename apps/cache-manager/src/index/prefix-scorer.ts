// KvCache.Score's work: the prompt's token ids (tokenized exactly as vLLM would), llmd's block keys,
// one walk of the index, and a tier-weighted score per pod.
import { tokenBlockKeys } from '@llmd/prefix-hash';
import { KvBlockIndex, lookupWithSpeculation, PrefixHit, SpeculativeEntries, tierWeightedScore, type TierWeights } from '@llmd/kv-index';
import { BlockSizes } from './block-sizes';
import { NoTokenizerError } from './no-tokenizer.error';
import type { PromptTokenizer, TokenizationCache } from './tokenization-cache';

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
    /** Each model's tokenizer, as its pods tokenize (undefined: the model has none). */
    private readonly tokenizers: { get(model: string): PromptTokenizer | undefined },
    /** Token ids per prompt, shared by a request's Score and Speculate. */
    private readonly tokenization: TokenizationCache,
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
    const keys = tokenBlockKeys(await this.tokens(input, model), this.blockSizes.ofPod(pod, model), { seed: this.options.hashSeed, extra: lora || undefined });
    this.speculative.record(pod, keys, this.now() + (ttlMs > 0 ? ttlMs : this.options.speculativeTtlMs));
    return keys.length;
  }

  /** The prompt's token ids: as sent, or tokenized once with `model`'s tokenizer (NoTokenizerError without one). */
  async tokens(input: ScoreInput, model: string): Promise<number[]> {
    if (input.kind === 'tokens') return input.ids;
    const tokenizer = this.tokenizers.get(model);
    if (!tokenizer) throw new NoTokenizerError(model);
    return this.tokenization.tokens(model, input, tokenizer);
  }

  /**
   * Each pod's cached prefix of the prompt. Named pods are looked up with keys cut at their own block
   * size (one group in the common case where every pod of a model uses the same); a score is the
   * pod's weighted hit over the prompt's blocks at that size, so scores compare across sizes.
   */
  async score(input: ScoreInput, model: string, pods: readonly string[], lora?: string): Promise<{ promptBlocks: number; scores: PodScore[] }> {
    const ids = await this.tokens(input, model);
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
