// Token ids of the prompts Score and Speculate are asked about, computed once per prompt: keyed by a
// hash of (model, input), the in-flight promise shared, so a request's Speculate (sent right after its
// Score, with the same text) and any retry re-use the ids instead of re-tokenizing. Tokenizations run
// at most `concurrency` at a time: the native encoder runs on libuv's pool (4 threads by default),
// and more at once only queue there, behind file and DNS work, while their callers' deadlines run.
import { createHash } from 'node:crypto';
import type { ScoreInput } from './prefix-scorer';

/** What Score needs of a model's tokenizer (sync or async, as the loader provides it). */
export interface PromptTokenizer {
  encodePrompt(text: string): number[] | Promise<number[]>;
  encodeChat(messages: readonly { role: string; content: string }[]): number[] | Promise<number[]>;
}

export interface TokenizationObserver {
  /** A prompt whose ids were already known (or being computed). */
  hit(): void;
  /** A prompt tokenized: its token count and how long it took (queueing included), in ms. */
  tokenized(tokens: number, ms: number): void;
}

export interface TokenizationCacheOptions {
  /** Prompts whose ids are kept (least recently used dropped first). @default 1024 */
  maxEntries: number;
  /** Tokenizations running at once. @default 4 */
  concurrency: number;
}

/** A stable key for (model, text input): SHA-1 over the fields with separators no text can forge. */
export function inputKey(model: string, input: Exclude<ScoreInput, { kind: 'tokens' }>): string {
  const h = createHash('sha1');
  h.update(model).update('\0').update(input.kind).update('\0');
  if (input.kind === 'prompt') h.update(input.text);
  else for (const m of input.messages) h.update(m.role).update('\u0001').update(m.content).update('\u0002');
  return h.digest('base64');
}

export class TokenizationCache {
  private readonly entries = new Map<string, Promise<number[]>>();
  private running = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(
    private readonly options: TokenizationCacheOptions,
    private readonly observer: TokenizationObserver = { hit: () => undefined, tokenized: () => undefined },
    private readonly now: () => number = () => performance.now(),
  ) {}

  get size(): number {
    return this.entries.size;
  }

  /** The ids of `input` for `model` if an earlier call tokenized it (or is tokenizing it); nothing is started. */
  known(model: string, input: Exclude<ScoreInput, { kind: 'tokens' }>): Promise<number[]> | undefined {
    return this.entries.get(inputKey(model, input));
  }

  /** The ids of `input` for `model`, tokenized by `tokenizer` only if no earlier call did. */
  tokens(model: string, input: Exclude<ScoreInput, { kind: 'tokens' }>, tokenizer: PromptTokenizer): Promise<number[]> {
    const key = inputKey(model, input);
    const known = this.entries.get(key);
    if (known) {
      // Most recently used last: Map keeps insertion order.
      this.entries.delete(key);
      this.entries.set(key, known);
      this.observer.hit();
      return known;
    }
    const started = this.now();
    const ids = this.limited(() => (input.kind === 'prompt' ? tokenizer.encodePrompt(input.text) : tokenizer.encodeChat(input.messages))).then((out) => {
      this.observer.tokenized(out.length, this.now() - started);
      return out;
    });
    this.entries.set(key, ids);
    // A failed tokenization is not remembered: the next call tries again.
    ids.catch(() => this.entries.get(key) === ids && this.entries.delete(key));
    while (this.entries.size > Math.max(1, this.options.maxEntries)) this.entries.delete(this.entries.keys().next().value as string);
    return ids;
  }

  private async limited<T>(work: () => T | Promise<T>): Promise<T> {
    // A finishing call hands its slot to the next waiter, so no newcomer slips in between.
    if (this.running >= Math.max(1, this.options.concurrency)) await new Promise<void>((resolve) => this.waiting.push(resolve));
    else this.running++;
    try {
      return await work();
    } finally {
      const next = this.waiting.shift();
      if (next) next();
      else this.running--;
    }
  }
}
