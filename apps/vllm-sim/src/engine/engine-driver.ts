// Drives the engine core in real time: each step's simulated duration, stretched by --time-scale, is
// waited out on the wall clock before its outputs are delivered. The core itself never reads a clock.
import { type EngineCore, type EngineRequest, type FinishedOutput, type StepOutput } from '@llmd/sim-engine';

export interface RequestListener {
  onToken(text: string, tokenId: number): void;
  onFinish(result: FinishedOutput): void;
}

export interface DriverStats {
  steps: number;
  /** Wall-clock ms the delivered steps should have taken by the model (simulated ms x time scale). */
  modelTotalMs: number;
  /**
   * Wall-clock ms by which the engine fell behind the model, summed over busy periods: within one,
   * steps run back to back on the model's timeline, so late timers are absorbed and only real
   * overload (outputs that take longer to deliver than the model's step) accumulates here.
   */
  lagTotalMs: number;
  /** The largest lateness of one step's outputs. */
  lagMaxMs: number;
}

export class EngineDriver {
  private readonly listeners = new Map<string, RequestListener>();
  private readonly origin = performance.now();
  /** Simulated time at which the last step ended. */
  private simClock = 0;
  private running = false;
  private wake: (() => void) | undefined;
  private loopDone: Promise<void> | undefined;
  /** Whether the engine still had work when the last step was delivered (the next one follows on the model's timeline). */
  private busy = false;
  /** How far behind the model the last delivered step was (wall ms). */
  private drift = 0;
  readonly stats: DriverStats = { steps: 0, modelTotalMs: 0, lagTotalMs: 0, lagMaxMs: 0 };

  constructor(
    readonly core: EngineCore,
    private readonly timeScale: number,
    private readonly onStep: (out: StepOutput) => void,
  ) {}

  /** Simulated now: the engine's own clock, or the wall clock (in simulated ms) when it has been idle. */
  now(): number {
    return Math.max(this.simClock, (performance.now() - this.origin) / this.timeScale);
  }

  start(): void {
    this.running = true;
    this.loopDone = this.loop();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.wake?.();
    await this.loopDone;
  }

  submit(req: EngineRequest, listener: RequestListener): void {
    this.listeners.set(req.id, listener);
    this.core.add(req, this.now());
    this.wake?.();
  }

  /** Resets the prefix cache and publishes the AllBlocksCleared at once (the engine may be idle). */
  resetPrefixCache(): boolean {
    const ok = this.core.resetPrefixCache();
    if (ok) this.deliver(this.core.step(this.now()));
    return ok;
  }

  abort(id: string): void {
    this.core.abort(id);
    this.wake?.();
  }

  private async loop(): Promise<void> {
    while (this.running) {
      if (!this.core.hasWork()) {
        this.busy = false;
        await new Promise<void>((resolve) => {
          this.wake = resolve;
        });
        this.wake = undefined;
        continue;
      }
      // While busy, steps follow each other on the model's timeline; after idling, from the wall clock.
      const start = this.busy ? this.simClock : this.now();
      if (!this.busy) this.drift = 0;
      const out = this.core.step(start);
      if (out.durationMs === 0) {
        this.deliver(out);
        // Everything waiting is blocked on a KV transfer: sleep until the first one lands.
        const ready = this.core.nextReadyAt(start) ?? start + 1;
        await this.sleepUntil(ready);
        // The model's clock moves on to when the work became ready; without this a busy engine would
        // step at the same instant forever and never admit a request that arrived after it.
        if (this.busy) this.simClock = Math.max(this.simClock, ready);
        continue;
      }
      const end = start + out.durationMs;
      await this.sleepUntil(end);
      this.simClock = end;
      this.stats.steps++;
      this.stats.modelTotalMs += out.durationMs * this.timeScale;
      this.recordDrift(performance.now() - this.origin - end * this.timeScale);
      this.deliver(out);
      this.busy = this.core.hasWork();
    }
  }

  private recordDrift(late: number): void {
    const drift = Math.max(0, late);
    this.stats.lagTotalMs += drift - this.drift;
    this.stats.lagMaxMs = Math.max(this.stats.lagMaxMs, drift);
    this.drift = drift;
  }

  private sleepUntil(simMs: number): Promise<void> {
    const wallMs = simMs * this.timeScale - (performance.now() - this.origin);
    return wallMs > 0.5 ? new Promise((resolve) => setTimeout(resolve, wallMs)) : new Promise((resolve) => setImmediate(resolve));
  }

  private deliver(out: StepOutput): void {
    this.onStep(out);
    for (const t of out.tokens) this.listeners.get(t.id)?.onToken(t.text, t.tokenId);
    for (const f of out.finished) {
      const l = this.listeners.get(f.id);
      this.listeners.delete(f.id);
      l?.onFinish(f);
    }
  }
}
