// Watches an OpenAI SSE stream as it passes through, without changing a byte: when the first token
// came, how many token chunks, the usage chunk, and whether [DONE] arrived.

export interface StreamUsage {
  promptTokens: number;
  completionTokens: number;
  cachedTokens: number;
}

export interface MeterReport {
  /** ms from request start to the first chunk carrying text; undefined when none came. */
  ttftMs?: number;
  /** Mean ms between text chunks after the first; 0 with fewer than two. */
  itlMs: number;
  tokenChunks: number;
  usage?: StreamUsage;
  done: boolean;
}

export function usageFrom(u: unknown): StreamUsage | undefined {
  if (!u || typeof u !== 'object') return undefined;
  const o = u as { prompt_tokens?: number; completion_tokens?: number; prompt_tokens_details?: { cached_tokens?: number } | null };
  return { promptTokens: o.prompt_tokens ?? 0, completionTokens: o.completion_tokens ?? 0, cachedTokens: o.prompt_tokens_details?.cached_tokens ?? 0 };
}

/**
 * A chunk with generated output: a non-empty `content` (chat), `text` (completions), tool-call
 * `arguments` or `reasoning_content` string.
 */
const TOKEN_TEXT = /"(?:content|text|arguments|reasoning_content)":"(?!")/;

export class SseMeter {
  private buffer = '';
  private firstAt?: number;
  private lastAt?: number;
  private chunks = 0;
  private usage?: StreamUsage;
  private done = false;

  constructor(
    private readonly startedAt: number,
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** Feeds raw bytes as they arrive (events may span chunks). */
  push(text: string): void {
    this.buffer += text;
    let sep: number;
    while ((sep = this.buffer.indexOf('\n\n')) >= 0) {
      const event = this.buffer.slice(0, sep);
      this.buffer = this.buffer.slice(sep + 2);
      this.onEvent(event);
    }
  }

  /** True once a chunk carrying generated text (the first token) has been seen. */
  get sawFirstToken(): boolean {
    return this.firstAt !== undefined;
  }

  report(): MeterReport {
    const itlMs = this.chunks > 1 && this.firstAt !== undefined && this.lastAt !== undefined ? (this.lastAt - this.firstAt) / (this.chunks - 1) : 0;
    return { ttftMs: this.firstAt === undefined ? undefined : this.firstAt - this.startedAt, itlMs, tokenChunks: this.chunks, usage: this.usage, done: this.done };
  }

  private onEvent(event: string): void {
    for (const line of event.split('\n')) {
      if (!line.startsWith('data:')) continue;
      const data = line.slice(5).trim();
      if (data === '[DONE]') {
        this.done = true;
        continue;
      }
      // The hot path: most chunks carry one token and no usage, told apart without parsing JSON.
      if (!data.includes('"usage":{')) {
        if (TOKEN_TEXT.test(data)) this.tick();
        continue;
      }
      let parsed: { choices?: { delta?: { content?: string | null; tool_calls?: { function?: { arguments?: string } }[] }; text?: string }[]; usage?: unknown };
      try {
        parsed = JSON.parse(data);
      } catch {
        continue;
      }
      if (parsed.usage) this.usage = usageFrom(parsed.usage);
      const choice = parsed.choices?.[0];
      if (choice?.delta?.content || choice?.text || choice?.delta?.tool_calls?.some((t) => t.function?.arguments)) this.tick();
    }
  }

  private tick(): void {
    const t = this.now();
    if (this.firstAt === undefined) this.firstAt = t;
    this.lastAt = t;
    this.chunks++;
  }
}
