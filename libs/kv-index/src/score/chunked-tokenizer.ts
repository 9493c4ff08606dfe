// Tokenizes a chat in chunks cut at word boundaries, each chunk's ids cached by its text, so a long
// shared prefix inside one message (a document, a benchmark client's prefix) is tokenized once and
// later prompts pay only for their new text. A cut between a letter and a space followed by a letter
// is a pre-token boundary of the byte-level BPE tokenizers (Llama-3, Qwen3, DeepSeek-V3, gpt-oss: the
// space opens the next word's pre-token), so the chunks' ids concatenate to the whole text's ids. A
// tokenizer is chunked only once a self-check on a varied sample agrees with whole tokenization;
// until then, and for one that disagrees, its own encodeChat is used.
import { createHash } from 'node:crypto';
import type { PromptTokenizer } from './tokenization-cache';

/** What chunking needs of a model tokenizer (the per-model tokenizer library's ModelTokenizer has it). */
export interface RawTokenizer extends PromptTokenizer {
  renderChat(messages: readonly { role: string; content: string }[]): string;
  encodeRaw(text: string): Promise<number[]>;
}

const LETTER = /\p{L}/u;

/**
 * `text` cut just before a space that has a letter on each side, at the first such place at least
 * `every` characters after the previous cut: a cut depends only on the text before it, so prompts
 * sharing a prefix share its chunks.
 */
export function wordChunks(text: string, every: number): string[] {
  const out: string[] = [];
  let from = 0;
  for (let at = from + Math.max(1, every); at < text.length - 1; at++) {
    if (text.charCodeAt(at) !== 32 || !LETTER.test(text[at - 1]) || !LETTER.test(text[at + 1])) continue;
    out.push(text.slice(from, at));
    from = at;
    at = from + Math.max(1, every) - 1;
  }
  out.push(text.slice(from));
  return out.filter((c) => c.length > 0);
}

/** Text whose word cuts exercise what could break them: punctuation, digits, accents, CJK, runs of spaces, newlines. */
const SELF_CHECK =
  "Hello world, it's 2026: the café's naïve owner said \"bonjour\" twice. Numbers 1234567 and 3.14159 follow; " +
  '東京 and 北京 are cities. Tabs\tand  double  spaces,\nnew lines\n\nand paragraphs end here. ' +
  'Straße Ärger Œuvre ÉCOLE école hello-world foo_bar e-mail x y z.';

const chunkKey = (text: string) => createHash('sha1').update(text).digest('base64');

export interface ChunkedTokenizerOptions {
  /** Characters between cuts, at least. @default 1024 */
  chunkChars: number;
  /** Chunks whose ids are kept (least recently used dropped first). @default 8192 */
  maxChunks: number;
}

export class ChunkedTokenizer implements PromptTokenizer {
  private readonly chunks = new Map<string, Promise<number[]>>();
  /** Undefined until the self-check has run. */
  private safe: boolean | undefined;
  readonly ready: Promise<boolean>;

  constructor(
    private readonly inner: RawTokenizer,
    private readonly options: ChunkedTokenizerOptions = { chunkChars: 1024, maxChunks: 8192 },
  ) {
    this.ready = this.selfCheck().then(
      (ok) => (this.safe = ok),
      () => (this.safe = false),
    );
  }

  /** Whether chunking is in use (the self-check passed). */
  get chunking(): boolean {
    return this.safe === true;
  }

  encodePrompt(text: string): Promise<number[]> | number[] {
    return this.inner.encodePrompt(text);
  }

  async encodeChat(messages: readonly { role: string; content: string }[]): Promise<number[]> {
    if (this.safe !== true) return this.inner.encodeChat(messages);
    const parts = await Promise.all(wordChunks(this.inner.renderChat(messages), this.options.chunkChars).map((c) => this.chunk(c)));
    return parts.flat();
  }

  /**
   * The chat's rendered text in the chunks `encodeChat` tokenizes, for a caller that needs only the
   * prompt's start (`encodeChunk` each, in order: their ids concatenate to the chat's); undefined
   * until chunking is known exact for this tokenizer.
   */
  chatChunks(messages: readonly { role: string; content: string }[]): string[] | undefined {
    return this.safe === true ? wordChunks(this.inner.renderChat(messages), this.options.chunkChars) : undefined;
  }

  /** One chunk's ids (cached by its text, shared with `encodeChat`). */
  encodeChunk(text: string): Promise<number[]> {
    return this.chunk(text);
  }

  /** A chunk's ids if they are known (or being computed); undefined when only `encodeChunk` would give them. */
  knownChunk(text: string): Promise<number[]> | undefined {
    return this.chunks.get(chunkKey(text));
  }

  private chunk(text: string): Promise<number[]> {
    const key = chunkKey(text);
    const known = this.chunks.get(key);
    if (known) {
      this.chunks.delete(key);
      this.chunks.set(key, known);
      return known;
    }
    const ids = this.inner.encodeRaw(text);
    this.chunks.set(key, ids);
    ids.catch(() => this.chunks.get(key) === ids && this.chunks.delete(key));
    while (this.chunks.size > Math.max(1, this.options.maxChunks)) this.chunks.delete(this.chunks.keys().next().value as string);
    return ids;
  }

  /** Every word cut of the sample, tokenized apart, must give the whole sample's ids. */
  private async selfCheck(): Promise<boolean> {
    const whole = await this.inner.encodeRaw(SELF_CHECK);
    const parts = await Promise.all(wordChunks(SELF_CHECK, 1).map((c) => this.inner.encodeRaw(c)));
    const flat = parts.flat();
    return flat.length === whole.length && flat.every((id, i) => id === whole[i]);
  }
}
