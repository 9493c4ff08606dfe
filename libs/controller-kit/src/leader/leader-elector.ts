// Leader election on a coordination.k8s.io/v1 Lease, with client-go's semantics: a candidate takes the
// lease when it is free or has not changed for a lease duration (judged by the local clock from when
// this candidate last saw it change, so clock skew between nodes does not matter); the leader renews
// every retry period and gives up leadership when it cannot renew within the renew deadline; stop()
// releases the lease (clears holderIdentity) so a successor takes over at once.
import type { KubeConfig } from '@kubernetes/client-node';
import pino, { Logger } from 'pino';
import type { Registry } from 'prom-client';
import { Clock, systemClock, TimerHandle, WakeableSleep } from '../clock';
import { leaderStatusGauge } from '../metrics/controller-metrics';
import { kubeLeaseLock, LeaderRecord, LeaseLock, microTime } from './lease-lock';

export interface LeaderElectorOptions {
  kc: KubeConfig;
  namespace: string;
  name: string;
  /** Unique per candidate (pod name + a random suffix, typically). */
  identity: string;
  /** How long a lease not renewed keeps others out. @default 15000 */
  leaseDurationMs?: number;
  /** How long the leader keeps retrying a failed renewal before it stops leading. @default 10000 */
  renewDeadlineMs?: number;
  /** Between attempts to acquire or renew. @default 2000 */
  retryPeriodMs?: number;
  logger?: Logger;
  registry?: Registry;
  onStartedLeading: () => void | Promise<void>;
  onStoppedLeading: () => void | Promise<void>;
  /** Replaces the Lease on the apiserver (tests). */
  lock?: LeaseLock;
  clock?: Clock;
}

const JITTER = 1.2;

export class LeaderElector {
  private readonly lock: LeaseLock;
  private readonly clock: Clock;
  private readonly logger: Logger;
  private readonly leaseDurationMs: number;
  private readonly renewDeadlineMs: number;
  private readonly retryPeriodMs: number;
  private readonly gauge?: ReturnType<typeof leaderStatusGauge>;
  private leading = false;
  /** A write of ours made us the holder, and no release has followed. */
  private mayHold = false;
  private stopped = true;
  private loop: Promise<void> | undefined;
  private observedRaw = '';
  private observedTime = 0;
  private readonly sleeper: WakeableSleep;

  constructor(private readonly opts: LeaderElectorOptions) {
    this.leaseDurationMs = opts.leaseDurationMs ?? 15000;
    this.renewDeadlineMs = opts.renewDeadlineMs ?? 10000;
    this.retryPeriodMs = opts.retryPeriodMs ?? 2000;
    if (this.leaseDurationMs <= this.renewDeadlineMs) throw new Error('leader election: leaseDurationMs must be greater than renewDeadlineMs');
    if (this.renewDeadlineMs <= JITTER * this.retryPeriodMs) throw new Error(`leader election: renewDeadlineMs must be greater than ${JITTER} x retryPeriodMs`);
    if (!opts.identity) throw new Error('leader election: identity must not be empty');
    this.clock = opts.clock ?? systemClock;
    this.sleeper = new WakeableSleep(this.clock);
    this.logger = (opts.logger ?? pino({ enabled: false })).child({ lease: `${opts.namespace}/${opts.name}`, identity: opts.identity });
    this.lock = opts.lock ?? kubeLeaseLock(opts.kc, opts.namespace, opts.name, this.renewDeadlineMs);
    if (opts.registry) {
      this.gauge = leaderStatusGauge(opts.registry);
      this.gauge.set({ name: opts.name }, 0);
    }
  }

  get isLeader(): boolean {
    return this.leading;
  }

  /** Campaigns in the background: acquires, renews, and after a lost lease campaigns again. */
  run(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.loop = this.campaign();
  }

  /** Stops campaigning; a leader releases the lease and onStoppedLeading is called. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.sleeper.wake();
    await this.loop;
    // Also when an acquisition succeeded just as stop() was called, before it counted as leading.
    if (this.mayHold) {
      try {
        await this.release();
      } catch (err) {
        this.logger.warn({ err: err instanceof Error ? err.message : String(err) }, 'could not release the lease; it expires after its duration');
      }
    }
    await this.stopLeading('stopped');
  }

  private async campaign(): Promise<void> {
    while (!this.stopped) {
      while (!this.stopped && !(await this.attempt(this.renewDeadlineMs))) await this.pause(this.retryPeriodMs * (1 + Math.random() * (JITTER - 1)));
      if (this.stopped) return;
      this.startLeading();
      while (!this.stopped) {
        await this.pause(this.retryPeriodMs);
        if (this.stopped) return;
        if (!(await this.renew())) {
          if (this.stopped) return; // stop() releases the lease
          await this.stopLeading('renewal failed past the renew deadline');
          break;
        }
      }
    }
  }

  /** Retries every retry period until renewed or the renew deadline has passed. */
  private async renew(): Promise<boolean> {
    const deadline = this.clock.now() + this.renewDeadlineMs;
    for (;;) {
      const left = deadline - this.clock.now();
      if (left <= 0 || this.stopped) return false;
      if (await this.attempt(left)) return true;
      await this.pause(Math.min(this.retryPeriodMs, deadline - this.clock.now()));
    }
  }

  /** One tryAcquireOrRenew, given up after timeoutMs. */
  private async attempt(timeoutMs: number): Promise<boolean> {
    let timer: TimerHandle | undefined;
    const timeout = new Promise<boolean>((resolve) => (timer = this.clock.setTimer(() => resolve(false), timeoutMs)));
    try {
      return await Promise.race([this.tryAcquireOrRenew(), timeout]);
    } catch (err) {
      this.logger.debug({ err: err instanceof Error ? err.message : String(err) }, 'lease attempt failed');
      return false;
    } finally {
      timer?.cancel();
    }
  }

  private async tryAcquireOrRenew(): Promise<boolean> {
    const now = this.clock.now();
    const id = this.opts.identity;
    const record = (acquireTime: string | undefined, leaseTransitions: number): LeaderRecord => ({
      holderIdentity: id,
      leaseDurationSeconds: Math.ceil(this.leaseDurationMs / 1000),
      acquireTime,
      renewTime: microTime(now),
      leaseTransitions,
    });
    const current = await this.lock.get();
    if (!current) {
      const created = record(microTime(now), 0);
      await this.lock.create(created);
      this.mayHold = true;
      this.observe(created, now);
      return true;
    }
    const raw = JSON.stringify(current.record);
    if (raw !== this.observedRaw) {
      this.observedRaw = raw;
      this.observedTime = now;
    }
    const held = current.record.holderIdentity !== '' && current.record.holderIdentity !== id;
    if (held && this.observedTime + current.record.leaseDurationSeconds * 1000 > now) return false;
    const next = current.record.holderIdentity === id ? record(current.record.acquireTime, current.record.leaseTransitions) : record(microTime(now), current.record.leaseTransitions + 1);
    await this.lock.update(next, current.resourceVersion);
    this.mayHold = true;
    this.observe(next, now);
    return true;
  }

  private observe(record: LeaderRecord, now: number): void {
    this.observedRaw = JSON.stringify(record);
    this.observedTime = now;
  }

  private async release(): Promise<void> {
    const current = await this.lock.get();
    this.mayHold = false;
    if (!current || current.record.holderIdentity !== this.opts.identity) return;
    const now = microTime(this.clock.now());
    await this.lock.update({ holderIdentity: '', leaseDurationSeconds: 1, acquireTime: now, renewTime: now, leaseTransitions: current.record.leaseTransitions }, current.resourceVersion);
    this.logger.info('lease released');
  }

  private startLeading(): void {
    this.leading = true;
    this.gauge?.set({ name: this.opts.name }, 1);
    this.logger.info('started leading');
    Promise.resolve()
      .then(() => this.opts.onStartedLeading())
      .catch((err) => this.logger.error({ err: err instanceof Error ? err.message : String(err) }, 'onStartedLeading failed'));
  }

  private async stopLeading(why: string): Promise<void> {
    if (!this.leading) return;
    this.leading = false;
    this.gauge?.set({ name: this.opts.name }, 0);
    this.logger.warn({ why }, 'stopped leading');
    try {
      await this.opts.onStoppedLeading();
    } catch (err) {
      this.logger.error({ err: err instanceof Error ? err.message : String(err) }, 'onStoppedLeading failed');
    }
  }

  private pause(ms: number): Promise<void> {
    return this.sleeper.sleep(ms);
  }
}
