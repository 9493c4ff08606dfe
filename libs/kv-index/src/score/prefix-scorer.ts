// KvCache.Score's work: the prompt's token ids (tokenized exactly as vLLM would), llmd's block keys,
// one walk of the index, and a tier-weighted score per pod. A chat not tokenized before is tokenized
// only as far as some pod may hold it: a prefix no pod holds cannot become one further on, so a new
// conversation's Score costs one chunk of tokenization, not the whole prompt's (Speculate, after the
// pick and off its path, tokenizes the rest).
import { type BlockKey, tokenBlockKeys } from '@llmd/prefix-hash';
import type { KvBlockIndex, PrefixHit } from '../kv-block-index';
import { lookupWithSpeculation, SpeculativeEntries } from '../speculative-entries';
import { tierWeightedScore, type TierWeights } from '../tier-weighted-score';
import { BlockSizes } from './block-sizes';
import { NoTokenizerError } from './no-tokenizer.error';
import type { PromptTokenizer, TokenizationCache } from './tokenization-cache';

export type ScoreInput = { kind: 'tokens'; ids: number[] } | { kind: 'prompt'; text: string } | { kind: 'chat'; messages: { role: string; content: string }[] };

export interface PodScore {
  pod: string;
  hit: PrefixHit;
  score: number;
}

/**
 * How a Score got the prompt's token ids: sent as ids; already known (an earlier Score or Speculate
 * of the same prompt); tokenized whole; or tokenized only up to where no pod holds it (`prefix`).
 */
export type ScoreTokenizationKind = 'ids' | 'cached' | 'whole' | 'prefix';

export interface ScoreTokenization {
  kind: ScoreTokenizationKind;
  /** Token ids in hand when the lookup was made. */
  tokens: number;
  /** Of those, the ones this Score tokenized (not found already tokenized by an earlier call). */
  tokenized: number;
  /** Time spent getting them (tokenizing, or waiting for a tokenization already running), in ms. */
  ms: number;
}

export interface ScoreResult {
  /** The prompt's blocks at the model's block size (estimated from its characters when it was not tokenized to the end). */
  promptBlocks: number;
  scores: PodScore[];
  tokenization: ScoreTokenization;
}

/** A tokenizer that gives a chat's ids a chunk at a time (ChunkedTokenizer). */
export interface ChunkingTokenizer extends PromptTokenizer {
  /** The chat's text in chunks whose ids concatenate to its ids; undefined when it cannot be cut exactly. */
  chatChunks(messages: readonly { role: string; content: string }[]): string[] | undefined;
  encodeChunk(text: string): Promise<number[]>;
  /** A chunk's ids when already known (or being computed): nothing to tokenize. */
  knownChunk(text: string): Promise<number[]> | undefined;
}

const canChunk = (t: PromptTokenizer): t is ChunkingTokenizer => typeof (t as Partial<ChunkingTokenizer>).chatChunks === 'function';

/** Per block size: the pods asked about at it (undefined: every pod with a hit), and the prompt's keys so far. */
interface KeyWalk {
  size: number;
  asked: string[] | undefined;
  keys: BlockKey[];
  hits: Map<string, PrefixHit>;
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
  async score(input: ScoreInput, model: string, pods: readonly string[], lora?: string): Promise<ScoreResult> {
    const started = performance.now();
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
    const walks: KeyWalk[] = [...groups].map(([size, asked]) => ({ size, asked, keys: [], hits: new Map() }));
    const extra = lora || undefined;
    const seed = this.options.hashSeed;
    /** Extends every walk's keys over `ids` and looks them up; true while some pod holds every full block so far. */
    const lookup = (ids: readonly number[]): boolean => {
      let open = false;
      for (const w of walks) {
        const more = tokenBlockKeys(ids.slice(w.keys.length * w.size), w.size, { parent: w.keys[w.keys.length - 1], seed, extra });
        for (const k of more) w.keys.push(k);
        w.hits = lookupWithSpeculation(this.index, this.speculative, w.keys, w.asked, now);
        if (w.keys.length === 0) open = true;
        for (const hit of w.hits.values()) if (hit.disk >= w.keys.length) open = true;
      }
      return open;
    };

    let kind: ScoreTokenizationKind;
    let tokens: number;
    let tokenized = 0;
    let promptTokens: number;
    // Ids an earlier Score or Speculate of the same prompt computed (or is computing): looked up once.
    const known = input.kind === 'tokens' ? undefined : this.tokenization.known(model, input);
    const chunked = known ? undefined : this.chunksOf(input, model);
    if (chunked) {
      // Chunks already tokenized (by an earlier prompt that shared them) cost nothing; of the others,
      // one, then twice as many as before, until no pod holds every block so far.
      const { tokenizer, chunks } = chunked;
      // Each chunk's ids if already known, looked up once and only when the walk gets there.
      const known: (Promise<number[]> | null)[] = [];
      const knownAt = (i: number) => (known[i] === undefined ? (known[i] = tokenizer.knownChunk(chunks[i]) ?? null) : known[i]);
      const ids: number[] = [];
      let next = 0;
      let chars = 0;
      let batch = 1;
      for (;;) {
        let end = next;
        for (let fresh = 0; end < chunks.length && fresh < batch; end++) if (!knownAt(end)) fresh++;
        while (end < chunks.length && knownAt(end)) end++;
        const take = chunks.slice(next, end);
        const parts = await Promise.all(take.map((c, i) => known[next + i] ?? tokenizer.encodeChunk(c)));
        parts.forEach((part, i) => {
          if (!known[next + i]) tokenized += part.length;
          for (const id of part) ids.push(id);
        });
        for (const c of take) chars += c.length;
        next += take.length;
        batch *= 2;
        const open = lookup(ids);
        if (next >= chunks.length || !open) break;
      }
      tokens = ids.length;
      if (next >= chunks.length) {
        kind = 'whole';
        promptTokens = ids.length;
      } else {
        kind = 'prefix';
        // The rest of the prompt at the tokenized part's characters per token.
        const totalChars = chunks.reduce((n, c) => n + c.length, 0);
        promptTokens = Math.max(ids.length, Math.round((ids.length * totalChars) / Math.max(1, chars)));
      }
    } else {
      kind = input.kind === 'tokens' ? 'ids' : known ? 'cached' : 'whole';
      const ids = await this.tokens(input, model);
      lookup(ids);
      tokens = promptTokens = ids.length;
      if (kind === 'whole') tokenized = ids.length;
    }
    const ms = performance.now() - started;
    const scores: PodScore[] = [];
    for (const w of walks) {
      const blocks = Math.max(w.keys.length, Math.floor(promptTokens / w.size));
      for (const [pod, hit] of w.hits) scores.push({ pod, hit, score: Math.min(1, tierWeightedScore(hit, blocks, this.options.tierWeights)) });
    }
    return { promptBlocks: Math.floor(promptTokens / modelSize), scores, tokenization: { kind, tokens, tokenized, ms } };
  }

  /** A chat (not tokenized yet: the caller checks) and a tokenizer that can cut it: its chunks. Otherwise undefined (the prompt is tokenized whole). */
  private chunksOf(input: ScoreInput, model: string): { tokenizer: ChunkingTokenizer; chunks: string[] } | undefined {
    if (input.kind !== 'chat') return undefined;
    const tokenizer = this.tokenizers.get(model);
    if (!tokenizer) throw new NoTokenizerError(model);
    if (!canChunk(tokenizer)) return undefined;
    const chunks = tokenizer.chatChunks(input.messages);
    return chunks && chunks.length > 1 ? { tokenizer, chunks } : undefined;
  }
}
