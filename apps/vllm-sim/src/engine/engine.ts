// A continuous-batching engine on simulated time: a waiting queue, a running batch bounded by
// max-num-seqs, max-num-batched-tokens and a finite KV block pool; every step costs what the GPU
// cost tables say, stretched by --time-scale.
import type { CostModel } from './cost-model';
import type { FinishReason, Sequence } from './sequence';

export interface EngineOptions {
  maxNumSeqs: number;
  maxNumBatchedTokens: number;
  blockSize: number;
  numGpuBlocks: number;
  /** Wall-clock ms per simulated ms. */
  timeScale: number;
}

export interface EngineEvents {
  onPromptTokens(n: number): void;
  onGenerationTokens(n: number): void;
  onFirstToken(seq: Sequence, ttftMs: number, queueMs: number): void;
  onInterToken(ms: number): void;
  onFinished(seq: Sequence, e2eMs: number, reason: FinishReason): void;
}

export class Engine {
  readonly waiting: Sequence[] = [];
  readonly running: Sequence[] = [];
  private usedBlocks = 0;
  private stepping = false;
  /** Simulated clock in ms; advances by each step's cost. */
  private simNow = 0;

  constructor(
    private readonly cost: CostModel,
    private readonly options: EngineOptions,
    private readonly events: EngineEvents,
  ) {}

  get kvUsage(): number {
    return this.usedBlocks / this.options.numGpuBlocks;
  }

  get now(): number {
    return this.simNow;
  }

  add(seq: Sequence): void {
    seq.arrivedAt = this.simNow;
    this.waiting.push(seq);
    this.kick();
  }

  /** Stops generating for a sequence (client went away); its blocks are freed at the next step. */
  cancel(id: string): void {
    const seq = this.running.find((s) => s.id === id) ?? this.waiting.find((s) => s.id === id);
    if (seq) seq.cancelled = true;
  }

  private kick(): void {
    if (this.stepping) return;
    this.stepping = true;
    setImmediate(() => void this.loop());
  }

  private async loop(): Promise<void> {
    try {
      while (this.waiting.length > 0 || this.running.length > 0) {
        await this.step();
      }
    } finally {
      this.stepping = false;
    }
  }

  private blocksFor(tokens: number): number {
    return Math.ceil(tokens / this.options.blockSize);
  }

  private async step(): Promise<void> {
    this.reapCancelled();
    // Admit waiting sequences in arrival order while the batch, the token budget and the KV pool allow.
    const admitted: Sequence[] = [];
    let budget = this.options.maxNumBatchedTokens;
    while (this.waiting.length > 0 && this.running.length + admitted.length < this.options.maxNumSeqs) {
      const next = this.waiting[0];
      const need = this.blocksFor(next.promptTokens + 1);
      if (next.promptTokens > budget && admitted.length > 0) break;
      if (this.usedBlocks + need > this.options.numGpuBlocks) break;
      this.waiting.shift();
      next.blocks = need;
      next.scheduledAt = this.simNow;
      this.usedBlocks += need;
      budget -= next.promptTokens;
      admitted.push(next);
    }
    const decoding = this.running.filter((s) => s.prefilled);
    const prefillTokens = admitted.reduce((n, s) => n + s.promptTokens, 0);
    const meanCtx = decoding.length === 0 ? 0 : decoding.reduce((n, s) => n + s.promptTokens + s.generated, 0) / decoding.length;
    const stepMs = this.cost.prefillMs(prefillTokens) + this.cost.decodeStepMs(decoding.length, meanCtx);
    if (stepMs === 0) return;
    await sleep(stepMs * this.options.timeScale);
    this.simNow += stepMs;

    this.running.push(...admitted);
    if (prefillTokens > 0) this.events.onPromptTokens(prefillTokens);
    // A prefill pass yields the sequence's first token; a decode step one more token per sequence.
    for (const seq of admitted) {
      seq.prefilled = true;
      this.emit(seq);
    }
    for (const seq of decoding) this.emit(seq);
    this.events.onGenerationTokens(admitted.length + decoding.length);
  }

  private emit(seq: Sequence): void {
    if (seq.cancelled) return;
    const text = seq.nextToken();
    seq.generated++;
    seq.text += text;
    if (seq.firstTokenAt === undefined) {
      seq.firstTokenAt = this.simNow;
      this.events.onFirstToken(seq, this.simNow - seq.arrivedAt, (seq.scheduledAt ?? this.simNow) - seq.arrivedAt);
    } else if (seq.lastTokenAt !== undefined) {
      this.events.onInterToken(this.simNow - seq.lastTokenAt);
    }
    seq.lastTokenAt = this.simNow;
    seq.listener.onToken(text);
    // Grow the sequence's KV blocks as its context grows.
    const need = this.blocksFor(seq.promptTokens + seq.generated + 1);
    if (need > seq.blocks) {
      this.usedBlocks += need - seq.blocks;
      seq.blocks = need;
    }
    const stopHit = seq.stop.some((s) => s.length > 0 && seq.text.includes(s));
    if (stopHit || (!seq.ignoreEos && seq.generated >= seq.eosAfter)) this.finish(seq, 'stop');
    else if (seq.generated >= seq.maxTokens) this.finish(seq, 'length');
  }

  private finish(seq: Sequence, reason: FinishReason): void {
    const i = this.running.indexOf(seq);
    if (i >= 0) this.running.splice(i, 1);
    this.usedBlocks -= seq.blocks;
    seq.blocks = 0;
    this.events.onFinished(seq, this.simNow - seq.arrivedAt, reason);
    seq.listener.onFinish(reason);
  }

  private reapCancelled(): void {
    for (const seq of [...this.running]) if (seq.cancelled) this.finish(seq, 'abort');
    for (let i = this.waiting.length - 1; i >= 0; i--) {
      const seq = this.waiting[i];
      if (seq.cancelled) {
        this.waiting.splice(i, 1);
        seq.listener.onFinish('abort');
      }
    }
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
