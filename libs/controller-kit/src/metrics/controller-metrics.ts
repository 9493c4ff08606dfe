// controller-runtime's metric names (so its dashboards and alerts work), registered once per registry.
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { WorkQueueMetrics } from '../queue/work-queue';

function once<T>(registry: Registry, name: string, make: () => T): T {
  return (registry.getSingleMetric(name) as T | undefined) ?? make();
}

const DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];
const QUEUE_BUCKETS = [1e-8, 1e-7, 1e-6, 1e-5, 1e-4, 0.001, 0.01, 0.1, 1, 10, 100, 1000];

export type ReconcileOutcome = 'success' | 'error' | 'requeue' | 'requeue_after';

export interface ControllerMetrics {
  reconciled(outcome: ReconcileOutcome, seconds: number): void;
  activeWorkers(delta: number): void;
  queue: WorkQueueMetrics;
  /** Tells the scrape-time gauges how long each key in process has been at it (seconds). */
  inFlight(probe: () => number[]): void;
}

/** Per registry: each controller's probe of its keys in process, read when the registry is scraped. */
const inFlightProbes = new WeakMap<Registry, Map<string, () => number[]>>();

function inFlightGauges(registry: Registry): Map<string, () => number[]> {
  let probes = inFlightProbes.get(registry);
  if (probes) return probes;
  const found = new Map<string, () => number[]>();
  probes = found;
  inFlightProbes.set(registry, found);
  const registers = [registry];
  const each = (gauge: Gauge<'name' | 'controller'>, of: (ages: number[]) => number) => {
    gauge.reset();
    for (const [controller, probe] of found) gauge.set({ name: controller, controller }, of(probe()));
  };
  once(registry, 'workqueue_unfinished_work_seconds', () => new Gauge({ name: 'workqueue_unfinished_work_seconds', help: 'How many seconds of work has been done that is in progress and hasn\'t been observed by work_duration', labelNames: ['name', 'controller'], registers, collect() { each(this, (ages) => ages.reduce((a, b) => a + b, 0)); } }));
  once(registry, 'workqueue_longest_running_processor_seconds', () => new Gauge({ name: 'workqueue_longest_running_processor_seconds', help: 'How many seconds has the longest running processor for workqueue been running', labelNames: ['name', 'controller'], registers, collect() { each(this, (ages) => Math.max(0, ...ages)); } }));
  return found;
}

export function controllerMetrics(registry: Registry, controller: string): ControllerMetrics {
  const registers = [registry];
  const total = once(registry, 'controller_runtime_reconcile_total', () => new Counter({ name: 'controller_runtime_reconcile_total', help: 'Total number of reconciliations per controller', labelNames: ['controller', 'result'], registers }));
  const errors = once(registry, 'controller_runtime_reconcile_errors_total', () => new Counter({ name: 'controller_runtime_reconcile_errors_total', help: 'Total number of reconciliation errors per controller', labelNames: ['controller'], registers }));
  const time = once(registry, 'controller_runtime_reconcile_time_seconds', () => new Histogram({ name: 'controller_runtime_reconcile_time_seconds', help: 'Length of time per reconciliation per controller', labelNames: ['controller'], buckets: DURATION_BUCKETS, registers }));
  const active = once(registry, 'controller_runtime_active_workers', () => new Gauge({ name: 'controller_runtime_active_workers', help: 'Number of currently used workers per controller', labelNames: ['controller'], registers }));
  const depth = once(registry, 'workqueue_depth', () => new Gauge({ name: 'workqueue_depth', help: 'Current depth of workqueue', labelNames: ['name', 'controller'], registers }));
  const adds = once(registry, 'workqueue_adds_total', () => new Counter({ name: 'workqueue_adds_total', help: 'Total number of adds handled by workqueue', labelNames: ['name', 'controller'], registers }));
  const retries = once(registry, 'workqueue_retries_total', () => new Counter({ name: 'workqueue_retries_total', help: 'Total number of retries handled by workqueue', labelNames: ['name', 'controller'], registers }));
  const queueDuration = once(registry, 'workqueue_queue_duration_seconds', () => new Histogram({ name: 'workqueue_queue_duration_seconds', help: 'How long in seconds an item stays in workqueue before being requested', labelNames: ['name', 'controller'], buckets: QUEUE_BUCKETS, registers }));
  const workDuration = once(registry, 'workqueue_work_duration_seconds', () => new Histogram({ name: 'workqueue_work_duration_seconds', help: 'How long in seconds processing an item from workqueue takes', labelNames: ['name', 'controller'], buckets: QUEUE_BUCKETS, registers }));
  const q = { name: controller, controller };
  // Zero series from the start, so a dashboard shows the controller before its first error.
  for (const result of ['success', 'error', 'requeue', 'requeue_after']) total.inc({ controller, result }, 0);
  errors.inc({ controller }, 0);
  active.set({ controller }, 0);
  depth.set(q, 0);
  return {
    reconciled(outcome, seconds) {
      total.inc({ controller, result: outcome });
      if (outcome === 'error') errors.inc({ controller });
      time.observe({ controller }, seconds);
    },
    activeWorkers: (delta) => active.inc({ controller }, delta),
    inFlight: (probe) => inFlightGauges(registry).set(controller, probe),
    queue: {
      added: () => adds.inc(q),
      depth: (n) => depth.set(q, n),
      retried: () => retries.inc(q),
      queued: (s) => queueDuration.observe(q, s),
      worked: (s) => workDuration.observe(q, s),
    },
  };
}

/** controller_runtime_max_concurrent_reconciles{controller}. */
export function setMaxConcurrentReconciles(registry: Registry, controller: string, n: number): void {
  const registers = [registry];
  once(registry, 'controller_runtime_max_concurrent_reconciles', () => new Gauge({ name: 'controller_runtime_max_concurrent_reconciles', help: 'Maximum number of concurrent reconciles per controller', labelNames: ['controller'], registers })).set({ controller }, n);
}

/** leader_election_master_status{name}: 1 while this process leads the named lease. */
export function leaderStatusGauge(registry: Registry): Gauge<'name'> {
  const registers = [registry];
  return once(registry, 'leader_election_master_status', () => new Gauge({ name: 'leader_election_master_status', help: 'Gauge of if the reporting system is master of the relevant lease, 0 indicates backup, 1 indicates master', labelNames: ['name'], registers }));
}
