// The broker of a running stack, kept running: it is started (or waited for) under the stack's
// ownership, watched while the stack runs, and restarted when it exits, loudly, because without it the
// services send no telemetry and no KV events and the precise prefix index goes stale in silence.
import { join } from 'node:path';
import { acquireBroker, BrokerLease } from './broker-ownership';
import { waitForBrokerServing } from './group-coordinator';
import { BrokerHandle, BrokerOptions, brokerDir, isAlive, readBrokerPid, startBroker, stopBroker } from './kafka-broker';
import { ensureTopics } from './topics';

export interface SupervisedBrokerOptions {
  broker?: BrokerOptions;
  /** Progress lines. */
  log: (line: string) => void;
  /** Lines the user must not miss: the broker went away, a restart failed. */
  alarm: (line: string) => void;
  /** How often the broker's process is checked. @default 500 */
  pollMs?: number;
}

/** Starts the broker a stack needs: owned, ready for topics and consumer groups. */
async function startReady(options: BrokerOptions, log: (line: string) => void): Promise<{ handle: BrokerHandle; created: string[] }> {
  const handle = await startBroker(options, log);
  const created = await ensureTopics(handle.bootstrap);
  await waitForBrokerServing(handle.bootstrap);
  return { handle, created };
}

export class SupervisedBroker {
  private timer: NodeJS.Timeout | undefined;
  private restarting: Promise<void> | undefined;
  private stopped = false;
  private backAt = 0;

  private constructor(
    private readonly options: SupervisedBrokerOptions,
    private readonly lease: BrokerLease,
    private handle: BrokerHandle,
    /** The topics this start created. */
    readonly created: string[],
  ) {}

  /** Takes ownership of the broker (waiting for a stopping previous owner), starts it if needed, watches it. */
  static async start(options: SupervisedBrokerOptions): Promise<SupervisedBroker> {
    const broker = options.broker ?? {};
    const dir = brokerDir(broker);
    const lease = await acquireBroker(dir, { log: options.log });
    try {
      const shared = lease.owns ? undefined : readBrokerPid(dir);
      const { handle, created } = await startReady({ ...broker, dir }, options.log);
      if (handle.pid !== shared) lease.setBroker(handle.pid);
      const supervised = new SupervisedBroker(options, lease, handle, created);
      supervised.watch();
      return supervised;
    } catch (err) {
      if (lease.owns) await stopBroker({ ...broker, dir });
      lease.release();
      throw err;
    }
  }

  get bootstrap(): string {
    return this.handle.bootstrap;
  }

  get pid(): number {
    return this.handle.pid;
  }

  /**
   * True while the broker is down and for `settleMs` after it is back, while the services' clients
   * reconnect: their connection warnings then say nothing the supervisor has not said.
   */
  inOutage(settleMs = 30000): boolean {
    return this.restarting !== undefined || Date.now() < this.backAt + settleMs;
  }

  /** Says the stack is stopping: from now on a new stack waits for this process to exit. */
  markStopping(): void {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    this.lease.markStopping();
  }

  /** Stops watching, stops the broker if this stack owns it, gives up ownership. */
  async stop(): Promise<void> {
    this.markStopping();
    await this.restarting;
    if (this.lease.owns) await stopBroker({ ...this.options.broker, dir: this.lease.dir });
    this.lease.release();
  }

  private watch(): void {
    this.timer = setInterval(() => {
      if (!this.stopped && !this.restarting && !isAlive(this.handle.pid)) {
        this.restarting = this.restart().finally(() => {
          this.restarting = undefined;
        });
      }
    }, this.options.pollMs ?? 500);
  }

  private async restart(): Promise<void> {
    const { alarm, log } = this.options;
    alarm(
      `Kafka broker (pid ${this.handle.pid}) on ${this.handle.bootstrap} exited while the stack was running (its log: ${join(this.lease.dir, 'broker.log')}). ` +
        'Until it is back the services send no telemetry and no KV events, and the precise prefix index goes stale. Restarting it ...',
    );
    for (let attempt = 1; !this.stopped; attempt++) {
      try {
        const { handle } = await startReady({ ...this.options.broker, dir: this.lease.dir }, log);
        if (this.stopped) return;
        this.handle = handle;
        this.lease.setBroker(handle.pid);
        this.backAt = Date.now();
        log(`Kafka is back on ${handle.bootstrap} (pid ${handle.pid}); the services reconnect by themselves`);
        return;
      } catch (err) {
        const waitMs = Math.min(30000, 1000 * 2 ** attempt);
        alarm(`could not restart Kafka (attempt ${attempt}): ${(err as Error).message}; trying again in ${waitMs / 1000} s`);
        for (const until = Date.now() + waitMs; !this.stopped && Date.now() < until; ) await new Promise((r) => setTimeout(r, 200));
      }
    }
  }
}
