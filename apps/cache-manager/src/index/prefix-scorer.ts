// KvCache.Score's work: the prompt's token ids (tokenized exactly as vLLM would), llmd's block keys,
// one walk of the index, and a tier-weighted score per pod.
import { tokenBlockKeys } from '@llmd/prefix-hash';
import type { KvBlockIndex, PrefixHit } from '@llmd/kv-index';
import type { Llama3Tokenizer } from '@llmd/tokenizer';

export type ScoreInput = { kind: 'tokens'; ids: number[] } | { kind: 'prompt'; text: string } | { kind: 'chat'; messages: { role: string; content: string }[] };

export interface PodScore {
  pod: string;
  hit: PrefixHit;
  score: number;
}

export class PrefixScorer {
  constructor(
    private readonly index: KvBlockIndex,
    private readonly tokenizer: Llama3Tokenizer,
    private readonly options: { blockSize: number; hashSeed: number; tierWeights: { gpu: number; cpu: number; disk: number } },
  ) {}

  async tokens(input: ScoreInput): Promise<number[]> {
    if (input.kind === 'tokens') return input.ids;
    if (input.kind === 'prompt') return this.tokenizer.encodePrompt(input.text);
    return this.tokenizer.encodeChat(input.messages);
  }

  async score(input: ScoreInput, pods: readonly string[], lora?: string): Promise<{ promptBlocks: number; scores: PodScore[] }> {
    const ids = await this.tokens(input);
    const keys = tokenBlockKeys(ids, this.options.blockSize, { seed: this.options.hashSeed, extra: lora || undefined });
    const hits = this.index.lookup(keys, pods.length > 0 ? pods : undefined);
    const w = this.options.tierWeights;
    const scores = [...hits].map(([pod, hit]) => ({
      pod,
      hit,
      score: keys.length === 0 ? 0 : (hit.gpu * w.gpu + (hit.cpu - hit.gpu) * w.cpu + (hit.disk - hit.cpu) * w.disk) / keys.length,
    }));
    return { promptBlocks: keys.length, scores };
  }
}
