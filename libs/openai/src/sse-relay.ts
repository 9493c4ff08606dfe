// One SSE parser on bytes for a relayed OpenAI stream (the gateway's relay, the scheduler's ext_proc):
// it meters the stream (first token, inter-token gaps, token chunks, usage, [DONE]) and, when asked,
// removes the usage-only event the gateway added, writing every other byte exactly as the pod sent
// it. Nothing is decoded except the usage event, so a multi-byte character cut across two reads
// passes through intact.

/** The longest SSE line the relay buffers: past it the pod's stream is refused. */
export const MAX_SSE_LINE_BYTES = 1024 * 1024;

/** The pod sent a line longer than the relay buffers: the stream is ended with an error. */
export class SseLineTooLongError extends Error {
  readonly code = 'SSE_LINE_TOO_LONG';
  constructor(readonly limitBytes: number) {
    super(`the inference endpoint sent an SSE line over ${limitBytes} bytes`);
    this.name = 'SseLineTooLongError';
  }
}

export interface StreamUsage {
  promptTokens: number;
  completionTokens: number;
  cachedTokens: number;
}

export interface MeterReport {
  /** ms from request start to the first event carrying text; undefined when none came. */
  ttftMs?: number;
  /** Mean ms between text events after the first; 0 with fewer than two. */
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

const EMPTY = Buffer.alloc(0);
const LF = 0x0a;
const CR = 0x0d;
const SPACE = 0x20;
const QUOTE = 0x22;
const BRACE = 0x7b;
const DATA = Buffer.from('data:');
const DONE = Buffer.from('[DONE]');
const USAGE_KEY = Buffer.from('"usage":');
/** Keys whose non-empty string value is generated output (chat, completions, tool calls, reasoning). */
const TOKEN_KEYS = ['"content":', '"text":', '"arguments":', '"reasoning_content":'].map((k) => Buffer.from(k));

/** Index of the first byte at or after `i` that is not a space. */
function skipSpaces(b: Buffer, i: number): number {
  while (i < b.length && b[i] === SPACE) i++;
  return i;
}

/** True when `key` occurs with a value starting with `first` (and, for a string, a non-empty one). */
function hasValue(line: Buffer, key: Buffer, first: number): boolean {
  for (let at = line.indexOf(key); at >= 0; at = line.indexOf(key, at + key.length)) {
    const v = skipSpaces(line, at + key.length);
    if (line[v] === first && (first !== QUOTE || (v + 1 < line.length && line[v + 1] !== QUOTE))) return true;
  }
  return false;
}

/** True when the line has generated output (a non-empty string under one of TOKEN_KEYS). */
function hasTokenText(line: Buffer): boolean {
  for (const key of TOKEN_KEYS) if (hasValue(line, key, QUOTE)) return true;
  return false;
}

/**
 * What the relay does with the bytes of the event being read: `undecided` (no complete line yet: held),
 * `candidate` (its first line is a usage-only chunk: held, and removed if the event ends there),
 * `keep` (written through).
 */
type EventFate = 'undecided' | 'candidate' | 'keep';

export class SseRelay {
  private firstAt?: number;
  private lastAt?: number;
  private chunks = 0;
  private usage?: StreamUsage;
  private done = false;
  /** Bytes of a line not yet ended (the parser's view, across reads). */
  private lineCarry?: Buffer;
  /** Bytes of the current event not yet written (stripping only). */
  private held: Buffer[] = [];
  private fate: EventFate = 'undecided';
  /** Reused for every read: nothing is allocated per read when nothing is removed. */
  private readonly out = new Output();

  constructor(
    private readonly startedAt: number,
    /** Remove the usage-only event (the client did not ask for usage; the gateway did). */
    private readonly stripUsage: boolean,
    private readonly now: () => number = () => performance.now(),
    /** A line without its end past this throws SseLineTooLongError. */
    private readonly maxLineBytes = MAX_SSE_LINE_BYTES,
  ) {}

  /** True once an event carrying generated text (the first token) has been seen. */
  get sawFirstToken(): boolean {
    return this.firstAt !== undefined;
  }

  /**
   * Feeds one read of the upstream body; returns the bytes to write to the client now (the same
   * Buffer when nothing is removed; bytes of an event that may still be removed wait for its end).
   * Throws SseLineTooLongError when a line does not end within the cap.
   */
  push(chunk: Buffer): Buffer {
    if (chunk.length === 0) return chunk;
    const out = this.out.reset(chunk, this.held);
    this.held = [];
    let lineStart = 0;
    let pos = 0;
    let nextCr = chunk.indexOf(CR);
    if (this.lineCarry && this.lineCarry[this.lineCarry.length - 1] === CR) {
      // A CR ended the last read: its line ended there, with this LF as part of the terminator.
      const line = this.lineCarry.subarray(0, this.lineCarry.length - 1);
      this.lineCarry = undefined;
      pos = chunk.length > 0 && chunk[0] === LF ? 1 : 0;
      lineStart = pos;
      this.onLine(line, out, pos);
    }
    while (pos < chunk.length) {
      if (nextCr >= 0 && nextCr < pos) nextCr = chunk.indexOf(CR, pos);
      const lf = chunk.indexOf(LF, pos);
      const t = nextCr >= 0 && (lf < 0 || nextCr < lf) ? nextCr : lf;
      if (t < 0) break;
      // A CR at the very end may be the first half of a CRLF: decide with the next read.
      if (t === nextCr && t === chunk.length - 1) break;
      const end = t === nextCr && chunk[t + 1] === LF ? t + 2 : t + 1;
      if (t === lineStart && !this.lineCarry) {
        this.onBlankLine(out, end);
      } else {
        const piece = chunk.subarray(lineStart, t);
        const line = this.lineCarry ? Buffer.concat([this.lineCarry, piece]) : piece;
        this.lineCarry = undefined;
        this.onLine(line, out, end);
      }
      pos = end;
      lineStart = end;
    }
    if (lineStart < chunk.length) {
      const rest = chunk.subarray(lineStart);
      if ((this.lineCarry?.length ?? 0) + rest.length > this.maxLineBytes) throw new SseLineTooLongError(this.maxLineBytes);
      this.lineCarry = this.lineCarry ? Buffer.concat([this.lineCarry, rest]) : rest;
    }
    if (!this.stripUsage || this.fate === 'keep') out.keep(chunk.length);
    // Held back is at most the event's first line (a second line decides it is kept), so the line cap bounds it too.
    else this.held = out.holdRest();
    return out.result();
  }

  /** What is left at the end of the stream (an unfinished event is written as it is). */
  flush(): Buffer {
    const rest = this.held;
    this.held = [];
    this.lineCarry = undefined;
    return rest.length === 1 ? rest[0] : Buffer.concat(rest);
  }

  report(): MeterReport {
    const itlMs = this.chunks > 1 && this.firstAt !== undefined && this.lastAt !== undefined ? (this.lastAt - this.firstAt) / (this.chunks - 1) : 0;
    return { ttftMs: this.firstAt === undefined ? undefined : this.firstAt - this.startedAt, itlMs, tokenChunks: this.chunks, usage: this.usage, done: this.done };
  }

  /** A blank line, which ends the event (and ended at `end` in the current read). */
  private onBlankLine(out: Output, end: number): void {
    if (this.fate === 'candidate') out.drop(end);
    else out.keep(end);
    this.fate = 'undecided';
  }

  /** One complete line (without its terminator), which ended at `end` in the current read. */
  private onLine(line: Buffer, out: Output, end: number): void {
    if (line.length === 0) return this.onBlankLine(out, end);
    if (!this.stripUsage) {
      this.meter(line);
      return;
    }
    const usageOnly = this.meter(line);
    if (this.fate === 'undecided' && usageOnly) this.fate = 'candidate';
    else this.fate = 'keep';
  }

  /** Meters one line; true when it is a usage-only chunk (`choices: []` and a usage object). */
  private meter(line: Buffer): boolean {
    if (line.length < DATA.length || line[0] !== DATA[0] || DATA.compare(line, 0, DATA.length) !== 0) return false;
    const start = skipSpaces(line, DATA.length);
    let stop = line.length;
    while (stop > start && line[stop - 1] === SPACE) stop--;
    if (stop - start === DONE.length && DONE.compare(line, start, stop) === 0) {
      this.done = true;
      return false;
    }
    // The hot path: most events carry one token and no usage, told apart without parsing JSON.
    if (!hasValue(line, USAGE_KEY, BRACE)) {
      if (line[start] === BRACE && hasTokenText(line)) this.tick();
      return false;
    }
    let parsed: { choices?: { delta?: { content?: string | null; reasoning_content?: string | null; tool_calls?: { function?: { arguments?: string } }[] }; text?: string }[]; usage?: unknown };
    try {
      parsed = JSON.parse(line.toString('utf8', start, stop));
    } catch {
      return false;
    }
    if (parsed.usage) this.usage = usageFrom(parsed.usage);
    const choice = parsed.choices?.[0];
    if (choice?.delta?.content || choice?.delta?.reasoning_content || choice?.text || choice?.delta?.tool_calls?.some((t) => t.function?.arguments)) this.tick();
    return Array.isArray(parsed.choices) && parsed.choices.length === 0 && parsed.usage != null && typeof parsed.usage === 'object';
  }

  private tick(): void {
    const t = this.now();
    if (this.firstAt === undefined) this.firstAt = t;
    this.lastAt = t;
    this.chunks++;
  }
}

/**
 * The bytes of one read to write: bytes held from earlier reads, then runs of this read. Runs are
 * subarrays (no copy); only a read with a removed event in it is copied, once, to join its runs.
 */
class Output {
  private written: Buffer[] = [];
  private chunk: Buffer = EMPTY;
  /** Undecided bytes of earlier reads: they precede this read's bytes. */
  private held: Buffer[] = [];
  /** Start of the bytes of this read not yet kept or dropped. */
  private from = 0;
  private runStart = 0;
  private runEnd = 0;

  reset(chunk: Buffer, held: Buffer[]): this {
    this.chunk = chunk;
    this.held = held;
    this.written = [];
    this.from = this.runStart = this.runEnd = 0;
    return this;
  }

  /** Bytes up to `end` are written (with whatever was held before them). */
  keep(end: number): void {
    if (this.held.length > 0) {
      this.written.push(...this.held);
      this.held = [];
    }
    if (end <= this.from) return;
    if (this.runEnd !== this.from) {
      this.closeRun();
      this.runStart = this.from;
    }
    this.runEnd = end;
    this.from = end;
  }

  /** Bytes up to `end` (and what was held before them) are removed. */
  drop(end: number): void {
    this.held = [];
    this.closeRun();
    this.from = Math.max(this.from, end);
    this.runStart = this.runEnd = this.from;
  }

  /** The bytes not yet decided (earlier held ones, then the rest of this read), held for the next read. */
  holdRest(): Buffer[] {
    const held = this.held;
    this.held = [];
    if (this.from < this.chunk.length) held.push(this.chunk.subarray(this.from));
    this.from = this.chunk.length;
    return held;
  }

  result(): Buffer {
    this.closeRun();
    const written = this.written;
    this.chunk = EMPTY;
    if (written.length === 0) return EMPTY;
    return written.length === 1 ? written[0] : Buffer.concat(written);
  }

  private closeRun(): void {
    if (this.runEnd > this.runStart) {
      this.written.push(this.runStart === 0 && this.runEnd === this.chunk.length ? this.chunk : this.chunk.subarray(this.runStart, this.runEnd));
    }
    this.runStart = this.runEnd = this.from;
  }
}

