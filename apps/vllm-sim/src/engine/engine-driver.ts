// Drives the engine core in real time: each step's simulated duration, stretched by --time-scale, is
// waited out on the wall clock before its outputs are delivered. The core itself never reads a clock.
import { type EngineCore, type EngineRequest, type FinishedOutput, type StepOutput } from '@llmd/sim-engine';

export interface RequestListener {
  onToken(text: string, tokenId: number): void;
  onFinish(result: FinishedOutput): void;
}

export interface DriverStats {
  steps: number;
  /** Wall-clock ms by which delivered steps ended later than the model says, summed and at most. */
  lagTotalMs: number;
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
  readonly stats: DriverStats = { steps: 0, lagTotalMs: 0, lagMaxMs: 0 };

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

  abort(id: string): void {
    this.core.abort(id);
    this.wake?.();
  }

  private async loop(): Promise<void> {
    while (this.running) {
      if (!this.core.hasWork()) {
        await new Promise<void>((resolve) => {
          this.wake = resolve;
        });
        this.wake = undefined;
        continue;
      }
      const start = this.now();
      const out = this.core.step(start);
      if (out.durationMs === 0) {
        this.deliver(out);
        // Everything waiting is blocked on a KV transfer: sleep until the first one lands.
        const ready = this.core.nextReadyAt(start) ?? start + 1;
        await this.sleepUntil(ready);
        continue;
      }
      const end = start + out.durationMs;
      await this.sleepUntil(end);
      this.simClock = end;
      const lag = performance.now() - this.origin - end * this.timeScale;
      this.stats.steps++;
      if (lag > 0) {
        this.stats.lagTotalMs += lag;
        this.stats.lagMaxMs = Math.max(this.stats.lagMaxMs, lag);
      }
      this.deliver(out);
    }
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
