// An informer: lists a resource, then watches it from the list's resourceVersion, keeping a cache and
// telling handlers what changed. Unlike the client's own informer it restarts itself: a watch the
// server ends is resumed from the last resourceVersion; an expired one (410) is re-listed at once;
// any other failure re-lists after a delay. A re-list reports what changed meanwhile (adds, updates
// and deletes), so handlers never miss a transition that matters to a level-triggered reconcile.
import type { KubeConfig, KubernetesObject } from '@kubernetes/client-node';
import pino, { Logger } from 'pino';
import { isGone, KubeApiError } from '../client/api-error';
import { ResourceRef } from '../client/resource-path';
import { Clock, systemClock, WakeableSleep } from '../clock';
import { keyString, objectKey } from '../controller/object-key';
import { kubeListWatch, ListWatchSource, WatchEvent, WatchHandle } from './list-watch-source';

const SHORT_WATCH_MS = 1000;

export type InformerEventType = 'add' | 'update' | 'delete';
export type InformerHandler<T> = (type: InformerEventType, obj: T, old?: T) => void;

export interface InformerOptions<T extends KubernetesObject> {
  namespace?: string;
  labelSelector?: string;
  fieldSelector?: string;
  /** Wait before re-listing after a failed list or watch. @default 1000 */
  restartDelayMs?: number;
  /** How long the apiserver keeps one watch open before we resume it. @default random in [300, 600) s */
  watchTimeoutSeconds?: number;
  logger?: Logger;
  /** Replaces the apiserver (tests). */
  source?: ListWatchSource<T>;
  clock?: Clock;
}

export class Informer<T extends KubernetesObject> {
  private readonly cache = new Map<string, T>();
  private readonly handlers: InformerHandler<T>[] = [];
  private readonly source: ListWatchSource<T>;
  private readonly logger: Logger;
  private readonly clock: Clock;
  private readonly restartDelayMs: number;
  private resourceVersion = '';
  private stopped = true;
  /** Bumped by stop(): a loop of an earlier start() ends even if start() is called again at once. */
  private generation = 0;
  private loop: Promise<void> | undefined;
  private watch: { abort(): void } | undefined;
  private readonly sleeper: WakeableSleep;
  private isSynced = false;
  private onSynced: (() => void)[] = [];

  constructor(kc: KubeConfig | undefined, readonly ref: ResourceRef, opts: InformerOptions<T> = {}) {
    this.logger = (opts.logger ?? pino({ enabled: false })).child({ informer: ref.plural, namespace: opts.namespace ?? '' });
    this.clock = opts.clock ?? systemClock;
    this.sleeper = new WakeableSleep(this.clock);
    this.restartDelayMs = opts.restartDelayMs ?? 1000;
    if (opts.source) this.source = opts.source;
    else if (kc) this.source = kubeListWatch<T>(kc, ref, opts);
    else throw new Error(`informer ${ref.plural}: needs a KubeConfig or a source`);
  }

  /** True once the first list has been delivered. */
  get synced(): boolean {
    return this.isSynced;
  }

  /** Adds a handler; one added after objects are cached hears them as adds first (as client-go's). */
  on(handler: InformerHandler<T>): void {
    this.handlers.push(handler);
    for (const obj of this.cache.values()) this.call(handler, 'add', obj);
  }

  get(namespace: string, name: string): T | undefined {
    return this.cache.get(keyString({ namespace, name }));
  }

  /** Cached objects, of one namespace when given. */
  list(namespace?: string): T[] {
    const all = [...this.cache.values()];
    return namespace === undefined ? all : all.filter((o) => (o.metadata?.namespace ?? '') === namespace);
  }

  /** Starts listing and watching; resolves once the first list is in the cache (or stop() is called). */
  start(): Promise<void> {
    const synced = this.isSynced ? Promise.resolve() : new Promise<void>((resolve) => this.onSynced.push(resolve));
    if (this.stopped) {
      this.stopped = false;
      const previous = this.loop ?? Promise.resolve();
      const generation = this.generation;
      this.loop = previous.then(() => this.run(generation));
    }
    return synced;
  }

  /** Stops watching; the cache stays as it was. start() again re-lists and reports what changed. */
  stop(): void {
    this.stopped = true;
    this.generation++;
    this.resourceVersion = '';
    this.watch?.abort();
    this.sleeper.wake();
    for (const resolve of this.onSynced.splice(0)) resolve();
  }

  private async run(generation: number): Promise<void> {
    const live = () => !this.stopped && generation === this.generation;
    while (live()) {
      try {
        if (!this.resourceVersion) await this.relist(live);
        if (!live()) break;
        const started = this.clock.now();
        const events = await this.watchOnce(live);
        // A watch the server ends at once, with nothing in it, would otherwise spin: wait, then resume.
        if (live() && events === 0 && this.clock.now() - started < SHORT_WATCH_MS) {
          this.logger.warn({ retryInMs: this.restartDelayMs }, 'watch ended at once; resuming after a delay');
          await this.pause(this.restartDelayMs);
        }
      } catch (err) {
        if (!live()) break;
        this.resourceVersion = '';
        if (isGone(err)) {
          this.logger.info('watch expired (410); re-listing');
          continue;
        }
        this.logger.warn({ err: err instanceof Error ? err.message : String(err), retryInMs: this.restartDelayMs }, 'list or watch failed; re-listing after a delay');
        await this.pause(this.restartDelayMs);
      }
    }
  }

  private pause(ms: number): Promise<void> {
    return this.sleeper.sleep(ms);
  }

  private async relist(live: () => boolean): Promise<void> {
    const { items, resourceVersion } = await this.source.list();
    if (!live()) return;
    const fresh = new Map(items.map((o) => [keyString(objectKey(o)), o]));
    const previous = new Map(this.cache);
    this.cache.clear();
    for (const [k, o] of fresh) this.cache.set(k, o);
    for (const [k, old] of previous) if (!fresh.has(k)) this.emit('delete', old);
    for (const [k, o] of fresh) {
      const old = previous.get(k);
      if (!old) this.emit('add', o);
      else if (old.metadata?.resourceVersion !== o.metadata?.resourceVersion) this.emit('update', o, old);
    }
    this.resourceVersion = resourceVersion;
    this.isSynced = true;
    this.logger.debug({ objects: items.length, resourceVersion }, 'listed');
    for (const resolve of this.onSynced.splice(0)) resolve();
  }

  /** One watch, until it ends; resolves with the number of events it brought. */
  private async watchOnce(live: () => boolean): Promise<number> {
    let failure: unknown;
    let events = 0;
    // Events may come before watch() returns the handle (a fake source): abort then, below.
    const pending: { handle?: WatchHandle } = {};
    const handle = await this.source.watch(this.resourceVersion, (e) => {
      if (failure || !live()) return;
      events++;
      failure = this.onEvent(e);
      if (failure) pending.handle?.abort();
    });
    pending.handle = handle;
    this.watch = handle;
    if (!live() || failure) handle.abort();
    try {
      await handle.done;
    } finally {
      this.watch = undefined;
    }
    if (failure) throw failure;
    return events;
  }

  /** Applies one watch event; returns an error that ends the watch. */
  private onEvent(e: WatchEvent): unknown {
    if (e.type === 'ERROR') {
      const status = e.object as { code?: number; reason?: string; message?: string };
      return new KubeApiError('WATCH', this.ref.plural, status.code ?? 500, status.reason ?? '', status.message ?? 'watch error event');
    }
    const obj = e.object as T;
    const rv = obj.metadata?.resourceVersion;
    if (e.type !== 'BOOKMARK') {
      const k = keyString(objectKey(obj));
      const old = this.cache.get(k);
      if (e.type === 'DELETED') {
        this.cache.delete(k);
        this.emit('delete', obj);
      } else {
        this.cache.set(k, obj);
        if (old) this.emit('update', obj, old);
        else this.emit('add', obj);
      }
    }
    if (rv) this.resourceVersion = rv;
    return undefined;
  }

  private emit(type: InformerEventType, obj: T, old?: T): void {
    for (const h of this.handlers) this.call(h, type, obj, old);
  }

  private call(h: InformerHandler<T>, type: InformerEventType, obj: T, old?: T): void {
    try {
      h(type, obj, old);
    } catch (err) {
      this.logger.error({ err: err instanceof Error ? err.message : String(err), type }, 'informer handler threw');
    }
  }
}
