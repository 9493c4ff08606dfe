// One service as several processes on one listening socket (Node's cluster), so a pod's every core
// serves: the primary forks the workers, serves the ops port for all of them (metrics summed over the
// processes, ready only while every worker is), answers the requests workers make of it (state that
// must be one per pod, such as rate-limit buckets), restarts a worker that dies, and on SIGTERM lets
// each drain. A worker runs the service's own work and no ops server.
import cluster, { Worker } from 'node:cluster';
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { AggregatorRegistry, Counter, Gauge } from 'prom-client';
import type { ReadinessReport } from '../health';
import { OpsServer } from '../health';
import { exitOnSignals, type Closable, type RunOptions, type ServiceShell } from './service-shell';

/** The worker's index (0-based), set by the primary in each worker's environment. */
export const WORKER_INDEX_ENV = 'LLMD_WORKER_INDEX';

/** What a worker may ask of the primary: one handler per request type. */
export type PrimaryHandlers = Record<string, (payload: unknown) => unknown>;

const TAG = 'llmd.cluster';

interface Message {
  [TAG]: 1;
  kind: 'request' | 'response' | 'started';
  id?: number;
  type?: string;
  payload?: unknown;
  result?: unknown;
  error?: string;
}

function isMessage(m: unknown): m is Message {
  return typeof m === 'object' && m !== null && (m as Record<string, unknown>)[TAG] === 1;
}

/** Request/response over one IPC channel (a worker's `process`, or the primary's `Worker`). */
class Channel {
  private next = 0;
  private readonly pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void; timer: NodeJS.Timeout }>();

  constructor(
    private readonly send: (m: Message) => boolean,
    private readonly handlers: Record<string, (payload: unknown) => unknown>,
  ) {}

  request(type: string, payload: unknown, timeoutMs: number): Promise<unknown> {
    const id = this.next++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new Error(`no answer to ${type} within ${timeoutMs} ms`));
      }, timeoutMs);
      this.pending.set(id, { resolve, reject, timer });
      let sent = false;
      try {
        sent = this.send({ [TAG]: 1, kind: 'request', id, type, payload });
      } catch {
        sent = false;
      }
      if (!sent) this.settle(id, undefined, `the IPC channel is closed (${type})`);
    });
  }

  /** Handles one message; false when it is not this protocol's. */
  receive(m: unknown): boolean {
    if (!isMessage(m)) return false;
    if (m.kind === 'response' && m.id !== undefined) this.settle(m.id, m.result, m.error);
    else if (m.kind === 'request' && m.id !== undefined) void this.answer(m.id, m.type ?? '', m.payload);
    return m.kind !== 'started';
  }

  /** Every request still waiting fails (the other side is gone). */
  failAll(reason: string): void {
    for (const id of [...this.pending.keys()]) this.settle(id, undefined, reason);
  }

  private settle(id: number, result: unknown, error: string | undefined): void {
    const p = this.pending.get(id);
    if (!p) return;
    this.pending.delete(id);
    clearTimeout(p.timer);
    if (error !== undefined) p.reject(new Error(error));
    else p.resolve(result);
  }

  private async answer(id: number, type: string, payload: unknown): Promise<void> {
    const handler = this.handlers[type];
    let reply: Message;
    try {
      if (!handler) throw new Error(`no handler for ${type}`);
      reply = { [TAG]: 1, kind: 'response', id, result: await handler(payload) };
    } catch (err) {
      reply = { [TAG]: 1, kind: 'response', id, error: (err as Error).message };
    }
    try {
      this.send(reply);
    } catch {
      // The other side went away while this was answered: nothing to tell.
    }
  }
}

/**
 * The CPUs this process may use: the cgroup's CPU quota (a container's `resources.limits.cpu`),
 * rounded up, where one is set and lower than the CPUs the OS schedules it on.
 */
export function availableCpus(read: (path: string) => string | undefined = readOrUndefined): number {
  const cpus = availableParallelism();
  const quota = cgroupCpuQuota(read);
  return quota === undefined ? cpus : Math.max(1, Math.min(cpus, Math.ceil(quota)));
}

/** CPUs of quota per period, from cgroup v2 (`cpu.max`) or v1 (`cfs_quota_us` / `cfs_period_us`); undefined when unlimited. */
export function cgroupCpuQuota(read: (path: string) => string | undefined): number | undefined {
  const v2 = read('/sys/fs/cgroup/cpu.max')?.trim().split(/\s+/);
  if (v2 && v2.length === 2) {
    const [quota, period] = v2.map(Number);
    return v2[0] === 'max' || !(quota > 0) || !(period > 0) ? undefined : quota / period;
  }
  const quota = Number(read('/sys/fs/cgroup/cpu/cpu.cfs_quota_us'));
  const period = Number(read('/sys/fs/cgroup/cpu/cpu.cfs_period_us'));
  return quota > 0 && period > 0 ? quota / period : undefined;
}

function readOrUndefined(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

let workerChannel: Channel | undefined;

/** This process's worker index when it is a cluster worker of a service; undefined otherwise. */
export function clusterWorkerIndex(): number | undefined {
  const raw = process.env[WORKER_INDEX_ENV];
  return cluster.isWorker && raw !== undefined ? Number(raw) : undefined;
}

/**
 * Asks the primary (a handler the service gave `runService`'s `primaryHandlers`). Rejects when this
 * process is not a worker, when the primary has no such handler, or past `timeoutMs`.
 */
export function requestPrimary(type: string, payload: unknown, timeoutMs = 1000): Promise<unknown> {
  if (!workerChannel) return Promise.reject(new Error('not a cluster worker'));
  return workerChannel.request(type, payload, timeoutMs);
}

interface Slot {
  index: number;
  worker?: Worker;
  channel?: Channel;
  started: boolean;
  startedAt: number;
  /** Deaths in a row of workers that lived less than a minute: the restart delay doubles with each. */
  crashes: number;
}

type Metrics = Awaited<ReturnType<ServiceShell['registry']['getMetricsAsJSON']>>;

const RESTART_BASE_MS = 1000;
const RESTART_MAX_MS = 30000;
const STABLE_MS = 60000;

/** The primary: forks `workers` processes of this program and supervises them. */
export async function runPrimary(shell: ServiceShell, options: RunOptions, workers: number): Promise<void> {
  const { logger, service } = shell;
  process.on('unhandledRejection', (reason) => logger.error({ err: String(reason) }, 'unhandled rejection'));
  const prefix = `llmd_${service.replace(/-/g, '_')}`;
  new Gauge({ name: `${prefix}_workers`, help: 'Worker processes serving (started and not exited)', registers: [shell.registry], aggregator: 'sum', collect() { this.set(slots.filter((s) => s.started).length); } });
  const restarts = new Counter({ name: `${prefix}_worker_restarts_total`, help: 'Worker processes that died and were started again', registers: [shell.registry] });

  const slots: Slot[] = Array.from({ length: workers }, (_, index) => ({ index, started: false, startedAt: 0, crashes: 0 }));
  let stopping = false;
  let initialStart = true;
  let onAllExited: (() => void) | undefined;
  let startedResolve: (() => void) | undefined;
  let startFailed: ((err: Error) => void) | undefined;
  const allStarted = new Promise<void>((resolve, reject) => {
    startedResolve = resolve;
    startFailed = reject;
  });

  const handlers: PrimaryHandlers = options.primaryHandlers ?? {};
  const fork = (slot: Slot) => {
    const worker = cluster.fork({ [WORKER_INDEX_ENV]: String(slot.index) });
    const channel = new Channel((m) => worker.send(m), handlers);
    slot.worker = worker;
    slot.channel = channel;
    slot.started = false;
    worker.on('message', (m: unknown) => {
      if (!isMessage(m)) return;
      if (m.kind === 'started') {
        slot.started = true;
        slot.startedAt = Date.now();
        if (slots.every((s) => s.started)) startedResolve?.();
        return;
      }
      channel.receive(m);
    });
    worker.on('exit', (code, signal) => {
      channel.failAll(`worker ${slot.index} exited`);
      const wasStarted = slot.started;
      slot.started = false;
      slot.worker = undefined;
      if (stopping) {
        if (slots.every((s) => s.worker === undefined)) onAllExited?.();
        return;
      }
      if (initialStart && !wasStarted) {
        startFailed?.(new Error(`worker ${slot.index} exited (${signal ?? `code ${code}`}) before it started`));
        return;
      }
      slot.crashes = wasStarted && Date.now() - slot.startedAt >= STABLE_MS ? 0 : slot.crashes + 1;
      const delay = Math.min(RESTART_MAX_MS, RESTART_BASE_MS * 2 ** Math.max(0, slot.crashes - 1));
      restarts.inc();
      logger.error({ worker: slot.index, code, signal, restartInMs: delay }, 'worker exited; starting another');
      setTimeout(() => {
        if (!stopping) fork(slot);
      }, delay).unref();
    });
  };

  const health = {
    readiness: async (): Promise<ReadinessReport> => {
      const checks: Record<string, boolean> = { workers: slots.every((s) => s.started) };
      const reports = await Promise.all(slots.map((s) => (s.started && s.channel ? (s.channel.request('readiness', null, 1000) as Promise<ReadinessReport>).catch(() => undefined) : undefined)));
      let ready = checks.workers;
      for (const r of reports) {
        if (!r) {
          ready = false;
          continue;
        }
        ready &&= r.ready;
        for (const [name, ok] of Object.entries(r.checks)) checks[name] = (checks[name] ?? true) && ok;
      }
      if (stopping) {
        checks['shutdown'] = false;
        ready = false;
      }
      return { ready, checks };
    },
  };
  const metrics = {
    contentType: shell.registry.contentType,
    metrics: async (): Promise<string> => {
      const own = await shell.registry.getMetricsAsJSON();
      const theirs = await Promise.all(slots.map((s) => (s.started && s.channel ? (s.channel.request('metrics', null, 2000) as Promise<Metrics>).catch(() => undefined) : undefined)));
      return AggregatorRegistry.aggregate([own, ...theirs.filter((m): m is Metrics => m !== undefined)]).metrics();
    },
  };

  const ops = new OpsServer({ host: options.ops.host, port: options.ops.port, registry: metrics, health, debug: shell.debug, debugAccess: options.ops.debug });
  const killAll = (signal: NodeJS.Signals) => {
    for (const s of slots) s.worker?.process.kill(signal);
  };
  let opsPort: number;
  try {
    opsPort = await ops.start();
    slots.forEach(fork);
    await allStarted;
  } catch (err) {
    logger.fatal({ err: (err as Error).message }, 'failed to start');
    stopping = true;
    killAll('SIGKILL');
    await ops.stop().catch(() => undefined);
    process.exit(1);
  }
  initialStart = false;
  logger.info({ opsPort, workers }, `${service} started`);

  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal, graceMs: options.graceMs, workers: slots.filter((s) => s.worker).length }, 'shutting down');
    const exited = new Promise<void>((resolve) => {
      onAllExited = resolve;
      if (slots.every((s) => s.worker === undefined)) resolve();
    });
    // Each worker drains its own work within the grace period (it has the same one); past it and a
    // little more, what is left is killed.
    killAll('SIGTERM');
    const forced = await Promise.race([exited.then(() => false), new Promise<boolean>((r) => setTimeout(() => r(true), options.graceMs + 3000).unref())]);
    if (forced) {
      logger.warn('grace period over; killing the workers still running');
      killAll('SIGKILL');
    }
    await ops.stop().catch(() => undefined);
    await Promise.race([shell.otel.shutdown().catch(() => undefined), new Promise((r) => setTimeout(r, 2000).unref())]);
    logger.info('stopped');
    logger.flush?.();
    process.exit(forced ? 1 : 0);
  };
  process.once('SIGTERM', () => void stop('SIGTERM'));
  process.once('SIGINT', () => void stop('SIGINT'));
}

/** A worker: the service's own work, its metrics and readiness answered to the primary over IPC. */
export async function runWorker(shell: ServiceShell, options: RunOptions): Promise<void> {
  const { logger } = shell;
  process.on('unhandledRejection', (reason) => logger.error({ err: String(reason) }, 'unhandled rejection'));
  const channel = new Channel((m) => process.send?.(m) ?? false, {
    metrics: () => shell.registry.getMetricsAsJSON(),
    readiness: () => shell.health.readiness(),
  });
  workerChannel = channel;
  process.on('message', (m: unknown) => channel.receive(m));

  let app: Closable;
  try {
    app = await options.start();
  } catch (err) {
    logger.fatal({ err: (err as Error).message }, 'failed to start');
    process.exit(1);
  }
  process.send?.({ [TAG]: 1, kind: 'started' } satisfies Message);

  const stop = exitOnSignals(shell, options.graceMs, () => app.close(), 'worker shutting down');
  // The primary gone (killed outright): nothing supervises this process or serves its ops port.
  process.once('disconnect', () => {
    channel.failAll('the primary is gone');
    void stop('primary exited');
  });
}

