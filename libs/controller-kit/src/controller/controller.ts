// A controller: keys from informer events into a de-duplicating queue, a bounded number of workers
// calling reconcile(key) (which reads current state from the caches, never the event), and requeue
// with per-key backoff on errors. stop() takes no new work and waits for reconciles in flight.
import type { KubernetesObject } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import { Clock, systemClock } from '../clock';
import { Informer } from '../informer/informer';
import { ControllerMetrics, controllerMetrics, setMaxConcurrentReconciles } from '../metrics/controller-metrics';
import { refersTo, controllerOf } from '../ownership/owner-reference';
import { defaultControllerRateLimiter, RateLimiter } from '../queue/rate-limiter';
import { WorkQueue } from '../queue/work-queue';
import { keyString, ObjectKey, objectKey, parseKey } from './object-key';
import { TerminalError } from './terminal-error';

export interface ReconcileResult {
  /** Reconcile again after this long (and reset the key's backoff). */
  requeueAfterMs?: number;
  /** Reconcile again after the key's rate-limited backoff. */
  requeue?: boolean;
}

/** Resolves to what to do next; a throw requeues the key with backoff (a TerminalError does not). */
export type Reconciler = (key: ObjectKey) => Promise<ReconcileResult | void>;

export interface ControllerOptions {
  name: string;
  reconcile: Reconciler;
  /** Reconciles at once (never two for one key). @default 1 */
  concurrency?: number;
  registry?: Registry;
  logger: Logger;
  /** @default defaultControllerRateLimiter() */
  rateLimiter?: RateLimiter;
  clock?: Clock;
}

export class Controller {
  readonly name: string;
  private readonly queue: WorkQueue;
  private readonly logger: Logger;
  private readonly metrics?: ControllerMetrics;
  private readonly clock: Clock;
  private workers: Promise<void>[] = [];
  private stopping = false;

  constructor(private readonly opts: ControllerOptions) {
    this.name = opts.name;
    this.clock = opts.clock ?? systemClock;
    this.logger = opts.logger.child({ controller: opts.name });
    if (opts.registry) {
      this.metrics = controllerMetrics(opts.registry, opts.name);
      setMaxConcurrentReconciles(opts.registry, opts.name, opts.concurrency ?? 1);
    }
    this.queue = new WorkQueue({ rateLimiter: opts.rateLimiter ?? defaultControllerRateLimiter(this.clock), clock: this.clock, metrics: this.metrics?.queue });
    this.metrics?.inFlight(() => this.queue.inFlightSeconds());
  }

  /** Keys waiting (not counting those delayed or in reconcile). */
  get queueLength(): number {
    return this.queue.length;
  }

  enqueue(key: ObjectKey): void {
    this.queue.add(keyString(key));
  }

  /** Enqueues the keys `map` gives for every add, update and delete. @default the object's own key */
  watch<T extends KubernetesObject>(informer: Informer<T>, map: (obj: T) => ObjectKey[] = (obj) => [objectKey(obj)]): void {
    informer.on((_type, obj) => {
      for (const key of map(obj)) this.enqueue(key);
    });
  }

  /** Enqueues the owner (its controller reference, of that kind and group) of every changed object. */
  watchOwned<T extends KubernetesObject>(informer: Informer<T>, ownerKind: string, ownerApiVersion: string): void {
    this.watch(informer, (obj) => {
      const ref = controllerOf(obj);
      return ref && refersTo(ref, ownerKind, ownerApiVersion) ? [{ namespace: obj.metadata?.namespace ?? '', name: ref.name }] : [];
    });
  }

  start(): void {
    if (this.workers.length > 0 || this.stopping) return;
    const n = Math.max(1, this.opts.concurrency ?? 1);
    for (let i = 0; i < n; i++) this.workers.push(this.work());
    this.logger.info({ workers: n }, 'controller started');
  }

  /** Takes no new work; resolves when every reconcile in flight has returned. */
  async stop(): Promise<void> {
    this.stopping = true;
    this.queue.shutDown();
    await Promise.all(this.workers);
    this.logger.info('controller stopped');
  }

  private async work(): Promise<void> {
    for (;;) {
      const key = await this.queue.get();
      if (key === undefined) return;
      if (this.stopping) {
        this.queue.done(key);
        return;
      }
      await this.process(key);
    }
  }

  private async process(key: string): Promise<void> {
    const started = this.clock.now();
    this.metrics?.activeWorkers(1);
    const seconds = () => (this.clock.now() - started) / 1000;
    try {
      const result = (await this.opts.reconcile(parseKey(key))) ?? {};
      if (result.requeueAfterMs !== undefined && result.requeueAfterMs > 0) {
        this.queue.forget(key);
        this.queue.addAfter(key, result.requeueAfterMs);
        this.metrics?.reconciled('requeue_after', seconds());
      } else if (result.requeue) {
        this.queue.addRateLimited(key);
        this.metrics?.reconciled('requeue', seconds());
      } else {
        this.queue.forget(key);
        this.metrics?.reconciled('success', seconds());
      }
    } catch (err) {
      this.metrics?.reconciled('error', seconds());
      const message = err instanceof Error ? err.message : String(err);
      if (err instanceof TerminalError) {
        this.queue.forget(key);
        this.logger.error({ key, err: message }, 'reconcile failed terminally; not retried');
      } else {
        this.queue.addRateLimited(key);
        this.logger.warn({ key, err: message, retries: this.queue.numRequeues(key) }, 'reconcile failed; requeued with backoff');
      }
    } finally {
      this.metrics?.activeWorkers(-1);
      this.queue.done(key);
    }
  }
}
