// The simulated engine core, in the manner of vLLM V1's scheduler: a pure step function over a clock.
// Each step schedules running sequences first, then admits waiting ones under the token budget,
// max-num-seqs, LoRA slots and free KV blocks (preempting the newest running sequence when blocks run
// out), prices the step from the GPU cost tables, and returns its outputs.
import { BlockHash, hashBlock } from './block-hash';
import { BlockPool } from './block-pool';
import type { CostModel } from '@llmd/gpu-cost';
import type { EngineOptions, EngineRequest, FinishReason, StepOutput } from './engine-types';

interface Seq {
  req: EngineRequest;
  /**
   * The prompt (the caller's array, never written) and the generated ids after it: `len` tokens in
   * all. `output` is allocated at its final size up front (up to a bound), filled to `generated`.
   */
  prompt: readonly number[];
  output: number[];
  len: number;
  promptLen: number;
  hashes: BlockHash[];
  blocks: number[];
  /** blocks.length, kept on the sequence: a step reads it per sequence without touching the array. */
  numBlocks: number;
  /** What a step reads per token, copied from the request so that the request stays out of the cache. */
  source: EngineRequest['tokens'];
  /** Finishes by length at this many generated tokens (1 for a prefill held for a remote decode). */
  doneAt: number;
  /** The simulated EOS, at this many generated tokens (Infinity when ignored). */
  eosAt: number;
  hasStops: boolean;
  /** Full blocks already registered in the pool's prefix cache. */
  committedBlocks: number;
  numComputed: number;
  cachedTokens: number;
  admitted: boolean;
  arrivedAt: number;
  readyAt: number;
  firstScheduledAt: number;
  text: string;
  generated: number;
  aborted: boolean;
  holdUntil: number;
  /** This step's chunk: tokens scheduled, the KV context before it, and whether it is one decode token. */
  stepTokens: number;
  stepContext: number;
  stepDecode: boolean;
}

/** Output tokens preallocated per sequence at most (longer outputs grow the array as they go). */
const OUTPUT_PREALLOCATION = 2048;

/** Tokens [from, to) of a sequence, across its prompt and its output. */
function tokenSlice(seq: Seq, from: number, to: number): number[] {
  const p = seq.promptLen;
  const out = new Array<number>(to - from);
  for (let i = from; i < to; i++) out[i - from] = i < p ? seq.prompt[i] : seq.output[i - p];
  return out;
}

export class EngineCore {
  private readonly pool: BlockPool;
  private readonly waiting: Seq[] = [];
  private readonly running: Seq[] = [];
  private readonly held = new Map<string, Seq>();
  private readonly byId = new Map<string, Seq>();
  /** The sequences of the current step (reused from step to step). */
  private readonly scheduled: Seq[] = [];
  private readonly tokenOutputs: boolean;
  /** Abort requests since the last step (most steps have none to reap). */
  private aborts = 0;

  constructor(
    private readonly cost: CostModel,
    private readonly options: EngineOptions,
  ) {
    this.pool = new BlockPool(options.numGpuBlocks, options.blockSize, options.cpuBlocks);
    this.tokenOutputs = options.tokenOutputs !== false;
  }

  get numRunning(): number {
    return this.running.length;
  }

  get numWaiting(): number {
    return this.waiting.length;
  }

  get kvUsage(): number {
    return this.pool.usage;
  }

  /**
   * vLLM's reset_prefix_cache: forgets every cached block (one AllBlocksCleared, delivered with the
   * next step's events). Refused, as in vLLM, while sequences hold blocks.
   */
  resetPrefixCache(): boolean {
    if (this.running.length > 0 || this.held.size > 0) return false;
    this.pool.clear();
    return true;
  }

  /** The engine's true prefix cache, per tier (for checking an index built from its events). */
  cachedHashes(): { gpu: bigint[]; cpu: bigint[] } {
    return this.pool.cachedHashes();
  }

  get cpuBlocksCached(): number {
    return this.pool.cpuBlocks;
  }

  loras(): { running: string[]; waiting: string[] } {
    const of = (seqs: Seq[]) => [...new Set(seqs.flatMap((s) => (s.req.lora ? [s.req.lora] : [])))];
    return { running: of(this.running), waiting: of(this.waiting) };
  }

  add(req: EngineRequest, now: number): void {
    if (this.byId.has(req.id)) throw new Error(`duplicate request id ${req.id}`);
    const seq: Seq = {
      req,
      prompt: req.promptTokenIds,
      // Sized once: growing an array of a thousand tokens step by step leaves its old copies behind.
      output: new Array<number>(Math.min(req.holdForRemoteDecode ? 1 : req.maxTokens, OUTPUT_PREALLOCATION)).fill(0),
      len: req.promptTokenIds.length,
      promptLen: req.promptTokenIds.length,
      hashes: [],
      blocks: [],
      numBlocks: 0,
      source: req.tokens,
      doneAt: req.holdForRemoteDecode ? 1 : req.maxTokens,
      eosAt: req.ignoreEos ? Infinity : req.eosAfter,
      hasStops: req.stop.length > 0,
      committedBlocks: 0,
      numComputed: 0,
      cachedTokens: 0,
      admitted: false,
      arrivedAt: now,
      readyAt: now + (req.transferMs ?? 0),
      firstScheduledAt: now,
      text: '',
      generated: 0,
      aborted: false,
      holdUntil: 0,
      stepTokens: 0,
      stepContext: 0,
      stepDecode: false,
    };
    this.byId.set(req.id, seq);
    this.waiting.push(seq);
  }

  /** Stops a request at the next step (the client went away). */
  abort(id: string): void {
    const seq = this.byId.get(id);
    if (seq && !seq.aborted) {
      seq.aborted = true;
      this.aborts++;
    }
  }

  /** A decode pod fetched the blocks held for it: they return to the pool (and stay prefix-cached). */
  releaseHeld(id: string): { blocks: number; tokens: number } | undefined {
    const seq = this.held.get(id);
    if (!seq) return undefined;
    this.held.delete(id);
    this.byId.delete(id);
    this.pool.release(seq.blocks);
    return { blocks: seq.blocks.length, tokens: seq.numComputed };
  }

  hasWork(): boolean {
    return this.running.length > 0 || this.waiting.length > 0;
  }

  /** The earliest time a waiting request becomes schedulable (a KV transfer ends), if all are blocked. */
  nextReadyAt(now: number): number | undefined {
    if (this.running.length > 0 || this.waiting.some((s) => s.readyAt <= now)) return undefined;
    return this.waiting.length > 0 ? Math.min(...this.waiting.map((s) => s.readyAt)) : undefined;
  }

  step(now: number): StepOutput {
    const out: StepOutput = { durationMs: 0, tokens: [], firstTokens: [], finished: [], kvEvents: [], prefillTokens: 0, prefixQueries: 0, prefixHits: 0, preemptions: 0, sequences: 0, decodes: 0 };
    this.expireHeld(now);
    this.reapAborted(out);
    let budget = this.options.maxNumBatchedTokens;
    const scheduled = this.scheduled;
    scheduled.length = 0;

    // 1. Running sequences, oldest first; preempt the newest when blocks run out.
    for (let i = 0; i < this.running.length && budget > 0; i++) {
      const seq = this.running[i];
      const n = Math.min(seq.len - seq.numComputed, budget);
      if (!this.ensureBlocks(seq, seq.numComputed + n, out)) break;
      this.schedule(seq, n, seq.generated > 0 && n === 1);
      budget -= n;
    }

    // 2. Waiting sequences in arrival order, unless this step had to preempt.
    let cpuLoadMs = 0;
    if (out.preemptions === 0) {
      const skipped: Seq[] = [];
      // Adapters in use, gathered only when a waiting request names one.
      let loras: Set<string> | undefined;
      while (this.waiting.length > 0 && budget > 0 && this.running.length < this.options.maxNumSeqs) {
        const seq = this.waiting[0];
        const lora = seq.req.lora;
        if (lora) loras ??= new Set(this.running.flatMap((s) => (s.req.lora ? [s.req.lora] : [])));
        if (seq.readyAt > now || (lora && loras && !loras.has(lora) && loras.size >= this.options.maxLoras)) {
          skipped.push(seq);
          this.waiting.shift();
          continue;
        }
        const admitted = this.admit(seq, budget, out);
        if (!admitted) break;
        this.waiting.shift();
        this.running.push(seq);
        if (lora) loras?.add(lora);
        cpuLoadMs += admitted.cpuLoadMs;
        this.schedule(seq, admitted.tokens, false);
        budget -= admitted.tokens;
        if (!seq.admitted) {
          seq.admitted = true;
          seq.firstScheduledAt = now;
        }
      }
      this.waiting.unshift(...skipped);
    }

    if (scheduled.length === 0) {
      out.kvEvents = this.pool.drainEvents();
      return out;
    }
    out.durationMs = this.price(scheduled) + cpuLoadMs;
    const end = now + out.durationMs;
    out.sequences = scheduled.length;
    for (const seq of scheduled) if (seq.stepDecode) out.decodes++;

    for (const seq of scheduled) {
      const before = seq.numComputed;
      seq.numComputed += seq.stepTokens;
      out.prefillTokens += Math.max(0, Math.min(seq.promptLen, seq.numComputed) - before);
      this.commitFullBlocks(seq);
      if (seq.numComputed === seq.len) this.sample(seq, end, out);
    }
    scheduled.length = 0;
    out.kvEvents = this.pool.drainEvents();
    return out;
  }

  /** Adds a sequence's chunk to this step. */
  private schedule(seq: Seq, tokens: number, decode: boolean): void {
    seq.stepTokens = tokens;
    seq.stepContext = seq.numComputed;
    seq.stepDecode = decode;
    this.scheduled.push(seq);
  }

  /** Prices one step: the prefill pass over all chunks, plus the decode pass (sharing its weight read). */
  private price(scheduled: readonly Seq[]): number {
    let prefillTokens = 0;
    let prefillContext = 0;
    let decodes = 0;
    let decodeContext = 0;
    for (const s of scheduled) {
      if (s.stepDecode) {
        decodes++;
        decodeContext += s.len;
      } else {
        prefillTokens += s.stepTokens;
        prefillContext += s.stepTokens * s.stepContext;
      }
    }
    const prefill = prefillTokens > 0 ? this.cost.prefillBehindMs(prefillTokens, prefillContext / prefillTokens) : 0;
    if (decodes === 0) return prefill;
    const decode = this.cost.decodeStepMs(decodes, decodeContext / decodes);
    return prefillTokens > 0 ? prefill + Math.max(0, decode - this.cost.decodeFloorMs()) : decode;
  }

  /** First schedule of a waiting sequence: prefix-cache lookup, remote KV, block allocation. */
  private admit(seq: Seq, budget: number, out: StepOutput): { tokens: number; cpuLoadMs: number } | undefined {
    const bs = this.options.blockSize;
    const len = seq.len;
    let gpuHits: number[] = [];
    let cpuHits: ReturnType<BlockPool['lookup']>['cpuHits'] = [];
    if (this.options.enablePrefixCaching) {
      this.extendHashes(seq, len);
      // At least the last token is always computed, as in vLLM.
      const look = this.pool.lookup(seq.hashes.slice(0, Math.floor((len - 1) / bs)));
      gpuHits = look.gpuBlocks;
      cpuHits = look.cpuHits;
    }
    const cachedLocal = (gpuHits.length + cpuHits.length) * bs;
    const remote = Math.min(seq.req.remoteComputedTokens ?? 0, len - 1);
    const start = Math.max(cachedLocal, remote);
    const tokens = Math.min(len - start, budget);
    const newBlocks = this.blocksFor(start + tokens) - gpuHits.length - cpuHits.length;
    // Reusing cached blocks takes them out of the free pool first; then the rest must fit.
    this.pool.acquire(gpuHits);
    if (newBlocks + cpuHits.length > this.pool.availableBlocks) {
      this.pool.release(gpuHits);
      return undefined;
    }
    const loaded = this.pool.loadFromCpu(cpuHits) ?? [];
    const rest = this.pool.allocate(newBlocks) ?? [];
    seq.blocks = [...gpuHits, ...loaded, ...rest];
    seq.numBlocks = seq.blocks.length;
    seq.committedBlocks = gpuHits.length + loaded.length;
    seq.numComputed = start;
    if (!seq.admitted) {
      seq.cachedTokens = Math.min(start, seq.promptLen);
      out.prefixQueries += seq.promptLen;
      out.prefixHits += Math.min(cachedLocal, seq.promptLen);
    }
    this.commitFullBlocks(seq);
    return { tokens, cpuLoadMs: this.cost.hostToDeviceMs(cpuHits.length * bs) };
  }

  /** Grows a running sequence's blocks to hold `tokens` tokens, preempting the newest sequence as needed. */
  private ensureBlocks(seq: Seq, tokens: number, out: StepOutput): boolean {
    const need = this.blocksFor(tokens) - seq.numBlocks;
    if (need <= 0) return true;
    for (;;) {
      const got = this.pool.allocate(need);
      if (got) {
        for (const b of got) seq.blocks.push(b);
        seq.numBlocks = seq.blocks.length;
        return true;
      }
      const victim = this.running[this.running.length - 1];
      this.preempt(victim, out);
      if (victim === seq) return false;
    }
  }

  private preempt(seq: Seq, out: StepOutput): void {
    this.running.splice(this.running.indexOf(seq), 1);
    this.pool.release(seq.blocks);
    seq.blocks = [];
    seq.numBlocks = 0;
    seq.committedBlocks = 0;
    seq.numComputed = 0;
    this.waiting.unshift(seq);
    out.preemptions++;
  }

  private sample(seq: Seq, now: number, out: StepOutput): void {
    const t = seq.source.next();
    if (seq.generated < seq.output.length) seq.output[seq.generated] = t.id;
    else seq.output.push(t.id);
    seq.len++;
    seq.generated++;
    // The text is kept only to match stop strings.
    if (seq.hasStops) seq.text += t.text;
    if (this.tokenOutputs) out.tokens.push({ id: seq.req.id, tokenId: t.id, text: t.text });
    if (seq.generated === 1) out.firstTokens.push({ id: seq.req.id, queueMs: seq.firstScheduledAt - seq.arrivedAt, ttftMs: now - seq.arrivedAt, promptTokens: seq.promptLen });
    let reason: FinishReason | undefined;
    if (seq.generated >= seq.doneAt) reason = 'length';
    else if (seq.hasStops && seq.req.stop.some((s) => s.length > 0 && seq.text.includes(s))) reason = 'stop';
    else if (seq.generated >= seq.eosAt) reason = 'stop';
    if (reason) this.finish(seq, reason, now, out);
  }

  private finish(seq: Seq, reason: FinishReason, now: number, out: StepOutput): void {
    const i = this.running.indexOf(seq);
    if (i >= 0) this.running.splice(i, 1);
    const hold = seq.req.holdForRemoteDecode === true && reason !== 'abort';
    if (hold) {
      seq.holdUntil = now + this.options.remoteHoldTimeoutMs;
      this.held.set(seq.req.id, seq);
    } else {
      this.pool.release(seq.blocks);
      this.byId.delete(seq.req.id);
    }
    out.finished.push({ id: seq.req.id, reason, promptTokens: seq.promptLen, cachedTokens: seq.cachedTokens, generated: seq.generated, heldBlocks: hold ? [...seq.blocks] : undefined });
  }

  private reapAborted(out: StepOutput): void {
    if (this.aborts === 0) return;
    this.aborts = 0;
    for (const seq of [...this.running, ...this.waiting]) {
      if (!seq.aborted) continue;
      const w = this.waiting.indexOf(seq);
      if (w >= 0) this.waiting.splice(w, 1);
      this.finish(seq, 'abort', 0, out);
    }
  }

  private expireHeld(now: number): void {
    for (const [id, seq] of this.held) if (seq.holdUntil <= now) this.releaseHeld(id);
  }

  private blocksFor(tokens: number): number {
    return Math.ceil(tokens / this.options.blockSize);
  }

  private extendHashes(seq: Seq, tokens: number): void {
    const bs = this.options.blockSize;
    const full = Math.floor(tokens / bs);
    for (let i = seq.hashes.length; i < full; i++) {
      const from = i * bs;
      const to = from + bs;
      // Prompt blocks are hashed in place; only a block past the prompt needs its tokens gathered.
      const h = to <= seq.promptLen ? hashBlock(seq.hashes[i - 1], seq.prompt, seq.req.lora, this.options.hashSeed, from, to) : hashBlock(seq.hashes[i - 1], tokenSlice(seq, from, to), seq.req.lora, this.options.hashSeed);
      seq.hashes.push(h);
    }
  }

  /** Registers the sequence's newly full computed blocks in the prefix cache (one BlockStored). */
  private commitFullBlocks(seq: Seq): void {
    if (!this.options.enablePrefixCaching) return;
    const bs = this.options.blockSize;
    const full = Math.min(Math.floor(seq.numComputed / bs), seq.numBlocks);
    if (full <= seq.committedBlocks) return;
    this.extendHashes(seq, full * bs);
    const entries = [];
    for (let i = seq.committedBlocks; i < full; i++) {
      entries.push({ block: seq.blocks[i], hash: seq.hashes[i], parent: seq.hashes[i - 1], tokenIds: tokenSlice(seq, i * bs, (i + 1) * bs) });
    }
    this.pool.commit(entries, seq.req.lora);
    seq.committedBlocks = full;
  }
}
