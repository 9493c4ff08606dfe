// What every llmd service has before its own code runs: a logger, a metrics registry, health checks,
// the OpenTelemetry SDK, and an ops server; and how it stops on SIGTERM.
import cluster from 'node:cluster';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import { HealthChecks, OpsServer } from '../health';
import { createLogger } from '../logging';
import { createMetricsRegistry } from '../metrics';
import { OtelHandle, startOtel } from '../otel';
import { clusterWorkerIndex, PrimaryHandlers, runPrimary, runWorker } from './service-cluster';

export interface ServiceShell {
  service: string;
  logger: Logger;
  registry: Registry;
  health: HealthChecks;
  otel: OtelHandle;
  /** Debug views served on the ops port at GET /debug/<name>. */
  debug: Map<string, () => unknown>;
}

export function createServiceShell(service: string, logLevel = 'info'): ServiceShell {
  const otel = startOtel(`llmd-${service}`);
  const worker = clusterWorkerIndex();
  const logger = createLogger(service, logLevel);
  return { service, logger: worker === undefined ? logger : logger.child({ worker }), registry: createMetricsRegistry(service), health: new HealthChecks(), otel, debug: new Map() };
}

export interface Closable {
  close(): Promise<void>;
}

export interface RunOptions {
  ops: { host: string; port: number; debug?: { enabled: boolean; tokenFile?: string } };
  /** In-flight work gets this long after SIGTERM before the process exits anyway. */
  graceMs: number;
  /** Starts the service's own work; the returned handle stops it (stop taking work, drain, close clients). */
  start: () => Promise<Closable>;
  /**
   * Processes serving on the one listening socket (Node's cluster). Above 1 this process becomes the
   * primary: it forks the workers (each calls `start`), serves the ops port for all of them and
   * restarts a worker that dies. @default 1
   */
  workers?: number;
  /** Requests the workers may make of the primary (`requestPrimary`): state one per pod. */
  primaryHandlers?: PrimaryHandlers;
}

/** Starts the ops server and the service, and stops both cleanly on SIGTERM/SIGINT. */
export async function runService(shell: ServiceShell, options: RunOptions): Promise<void> {
  if ((options.workers ?? 1) > 1) {
    return cluster.isPrimary ? runPrimary(shell, options, options.workers ?? 1) : runWorker(shell, options);
  }
  const { logger } = shell;
  process.on('unhandledRejection', (reason) => logger.error({ err: String(reason) }, 'unhandled rejection'));
  const ops = new OpsServer({ host: options.ops.host, port: options.ops.port, registry: shell.registry, health: shell.health, debug: shell.debug, debugAccess: options.ops.debug });
  let app: Closable;
  let opsPort: number;
  try {
    opsPort = await ops.start();
    app = await options.start();
  } catch (err) {
    logger.fatal({ err: (err as Error).message }, 'failed to start');
    await ops.stop().catch(() => undefined);
    process.exit(1);
  }
  const debug = options.ops.debug?.enabled ? (options.ops.debug.tokenFile ? 'on, bearer token' : 'on, loopback callers only') : 'off';
  logger.info({ opsPort, debugViews: debug }, `${shell.service} started`);

  exitOnSignals(shell, options.graceMs, async () => {
    await app.close();
    await ops.stop();
  });
}

/**
 * On SIGTERM or SIGINT (or the returned function's call): readiness fails at once, `close` gets the
 * grace period (past it and 2 s more the process exits 1 anyway), spans are flushed (bounded: an
 * absent collector must not hold the exit), and the process exits.
 */
export function exitOnSignals(shell: ServiceShell, graceMs: number, close: () => Promise<void>, what = 'shutting down'): (reason: string) => Promise<void> {
  const { logger } = shell;
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal, graceMs }, what);
    shell.health.markShuttingDown();
    const force = setTimeout(() => {
      logger.warn('grace period over; exiting with work still in flight');
      process.exit(1);
    }, graceMs + 2000);
    force.unref();
    try {
      await close();
      await Promise.race([shell.otel.shutdown().catch(() => undefined), new Promise((r) => setTimeout(r, 2000).unref())]);
      logger.info('stopped');
      logger.flush?.();
      process.exit(0);
    } catch (err) {
      logger.error({ err: (err as Error).message }, 'error during shutdown');
      process.exit(1);
    }
  };
  process.once('SIGTERM', () => void stop('SIGTERM'));
  process.once('SIGINT', () => void stop('SIGINT'));
  return stop;
}
