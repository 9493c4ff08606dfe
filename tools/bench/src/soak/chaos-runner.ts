// Applies the chaos schedule to a running stack: kill -9 (its supervisor, or the node agent, restarts the process),
// a Kafka outage (broker stopped, started again), netem on the loopback. Records when each target
// was serving again.
import type { Fault } from './chaos-schedule';
import { setNetem } from './netem';

export interface FaultRun {
  fault: Fault;
  /** Wall-clock time the fault was applied. */
  atMs: number;
  /** Wall-clock time the target was serving again. */
  backAtMs?: number;
  error?: string;
  /** The process killed. */
  killedPid?: number;
}

/** What the runner kills: the local stack's processes, or a cluster's containers. */
export interface Processes {
  pidOf(name: string): number | undefined;
  kill(name: string, signal: NodeJS.Signals): Promise<void>;
}

export interface Broker {
  stop(): Promise<void>;
  start(): Promise<void>;
}

export class ChaosRunner {
  readonly runs: FaultRun[] = [];
  /** Gateway (and other) processes the schedule killed: a connection they held was severed, not lost. */
  readonly killedPids = new Set<number>();
  private readonly timers: NodeJS.Timeout[] = [];
  private readonly pending: Promise<void>[] = [];

  constructor(
    private readonly stack: Processes,
    private readonly broker: Broker,
    private readonly say: (line: string) => void,
  ) {}

  /** A process serving again (the stack's supervisor, or a container ready again): a kill's target is back. */
  onReady(service: string): void {
    const run = this.runs.find((r) => r.fault.target === service && r.backAtMs === undefined && r.fault.holdMs === 0);
    if (run) run.backAtMs = Date.now();
  }

  /** Schedules every fault relative to `t0`. */
  start(faults: readonly Fault[], t0: number): void {
    for (const fault of faults) {
      this.timers.push(setTimeout(() => this.pending.push(this.apply(fault)), Math.max(0, t0 + fault.atMs - Date.now())));
    }
  }

  /** Cancels faults not yet applied and waits for the applied ones to finish (a held fault to end). */
  async settle(): Promise<void> {
    for (const t of this.timers) clearTimeout(t);
    await Promise.all(this.pending);
  }

  private async apply(fault: Fault): Promise<void> {
    const run: FaultRun = { fault, atMs: Date.now() };
    this.runs.push(run);
    this.say(`chaos: ${fault.kind} ${fault.target}`);
    try {
      switch (fault.kind) {
        case 'kafka-outage':
          await this.broker.stop();
          await new Promise((r) => setTimeout(r, Math.max(0, run.atMs + fault.holdMs - Date.now())));
          await this.broker.start();
          run.backAtMs = Date.now();
          break;
        case 'netem':
          setNetem(true);
          await new Promise((r) => setTimeout(r, fault.holdMs));
          setNetem(false);
          run.backAtMs = Date.now();
          break;
        default: {
          const pid = this.stack.pidOf(fault.target);
          if (pid === undefined) throw new Error(`no process ${fault.target}`);
          this.killedPids.add(pid);
          run.killedPid = pid;
          await this.stack.kill(fault.target, 'SIGKILL');
        }
      }
    } catch (err) {
      run.error = `${fault.kind} ${fault.target}: ${(err as Error).message}`;
      this.say(`chaos: ${run.error}`);
    }
  }
}
