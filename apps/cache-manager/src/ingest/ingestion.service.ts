// Ingestion: the pods this replica owns (of the static pods, the local registry's and Kubernetes'),
// one ZMQ subscriber each, every batch published to llmd.kv-events.v1 keyed by pod through the
// KV-event producer, so every replica builds the same index from the topic, in each pod's order.
// Ownership moves between replicas with the ownership group (pod-ownership.policy); a new owner
// resumes each pod after the last batch the topic holds, so a batch is published once.
import { DirectoryRegistry, KubernetesPodWatch } from '@llmd/platform';
import { KV_CLEAR_REASON_HEADER, kvEventBatchCodec, KvEvent, recordHeaders } from '@llmd/telemetry';
import type { Logger } from 'pino';
import type { Counter, Gauge } from 'prom-client';
import { KubernetesPodsConfig, PodConfig, podSchema, registryPodSchema } from '../config';
import type { DecodedBatch } from './event-batch-decoder';
import type { ClearReason, TopicCursor } from './kv-sequence.policy';
import { kvSourcesFromPod } from './kubernetes-pods';
import { ownedPods, ownershipChange } from './pod-ownership.policy';
import { PodSink, PodSubscriber } from './pod-subscriber';

/** The KV-event producer as ingestion needs it: never drops, and says when it is full. */
export interface KvEventProducer {
  enqueue(record: { topic: string; key: string; value: Buffer; headers: Record<string, string> }): void;
  hasRoom(): boolean;
  room(): Promise<void>;
  flushed(): Promise<void>;
}

/** The topic as this replica has read it: where each pod stands, and a way to read up to its end. */
export interface KvTopicView {
  cursor(pod: string): TopicCursor;
  /** Resolves once every record on the topic now has been read (and so is in cursor()). */
  caughtUp(): Promise<void>;
}

export interface IngestionMetrics {
  batches: Counter<'pod'>;
  clears: Counter<'reason'>;
  undecodable: Counter;
  gaps: Counter<'outcome'>;
  pauses: Counter;
  owner: Gauge<'pod'>;
}

export class IngestionService implements PodSink {
  /** Every pod discovery knows, owned or not. */
  private readonly known = new Map<string, PodConfig>();
  /** The pods this replica ingests now. */
  private readonly subs = new Map<string, PodSubscriber>();
  private owned: { partitions: ReadonlySet<number>; count: number } | undefined;
  private registry: DirectoryRegistry<typeof registryPodSchema> | undefined;
  private kubernetes: KubernetesPodWatch<PodConfig> | undefined;
  /** Ownership changes and discovery are applied one at a time, in order. */
  private reconciling: Promise<void> = Promise.resolve();
  private firstAssignment: (() => void) | undefined;
  /** After stop(), ownership changes (the group may still rebalance while shutting down) are ignored. */
  private stopped = false;
  private readonly assignedOnce = new Promise<void>((r) => (this.firstAssignment = r));

  constructor(
    private readonly producer: KvEventProducer,
    private readonly topic: KvTopicView,
    private readonly logger: Logger,
    private readonly metrics: IngestionMetrics,
  ) {}

  async start(staticPods: readonly PodConfig[], registryDir: string | undefined, kubernetes?: KubernetesPodsConfig): Promise<void> {
    for (const p of staticPods) this.known.set(p.id, p);
    if (registryDir) {
      this.registry = new DirectoryRegistry(registryDir, registryPodSchema, {
        upsert: (id, item) => {
          const parsed = podSchema.safeParse(item);
          if (parsed.success) this.upsert(parsed.data);
          else this.remove(id);
        },
        remove: (id) => this.remove(id),
      }, this.logger);
      await this.registry.start();
    }
    if (kubernetes) {
      const watch = new KubernetesPodWatch(kubernetes, (pod) => kvSourcesFromPod(pod, kubernetes), {
        upsert: (_id, source) => this.upsert(source),
        remove: (id) => this.remove(id),
      }, this.logger);
      this.kubernetes = watch;
      // Not awaited: the API server may be late; the watch retries on its own.
      watch.start().catch((err: Error) => this.logger.error({ err: err.message }, 'kubernetes pod watch could not start'));
    }
    this.reconcile();
  }

  /** False until the Kubernetes pod list has been read once (true without Kubernetes). */
  discoverySynced(): boolean {
    return this.kubernetes?.synced() ?? true;
  }

  /** The ownership group gave this replica `partitions` of `count` (a new share replaces the old by the difference). */
  assigned(partitions: readonly number[], count: number): void {
    this.owned = { partitions: new Set(partitions), count };
    this.reconcile();
    void this.reconciling.then(() => this.firstAssignment?.());
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.registry?.stop();
    await this.kubernetes?.stop();
    this.owned = undefined;
    await Promise.all([...this.subs.values()].map((s) => s.stop()));
    this.subs.clear();
  }

  /** Settles once ownership was assigned and every pod owned then has handed on its state at subscription. */
  async initialSyncs(): Promise<void> {
    await this.assignedOnce;
    await Promise.all([...this.subs.values()].map((s) => s.initialSync));
  }

  /** Settles once every ownership or discovery change so far has been applied. */
  async settled(): Promise<void> {
    await this.reconciling;
  }

  /** True when this replica holds the ownership share `n` falls in (n modulo the share count): one replica per n. */
  ownsShare(n: number): boolean {
    return this.owned !== undefined && this.owned.partitions.has(n % this.owned.count);
  }

  podIds(): string[] {
    return [...this.known.keys()];
  }

  ownedPodIds(): string[] {
    return [...this.subs.keys()];
  }

  batch(pod: string, seq: number, batch: DecodedBatch): void {
    this.metrics.batches.inc({ pod });
    this.publish(pod, seq, batch.ts, batch.dataParallelRank, batch.events, {});
  }

  /** The pod's entries are no longer trustworthy: every replica clears them (through the topic). */
  cleared(pod: string, reason: ClearReason): void {
    this.metrics.clears.inc({ reason });
    this.publish(pod, 0, Date.now() / 1000, 0, [{ type: 'AllBlocksCleared' }], { [KV_CLEAR_REASON_HEADER]: reason });
  }

  undecodable(pod: string, err: Error): void {
    this.metrics.undecodable.inc();
    this.logger.warn({ pod, err: err.message }, 'undecodable KV event batch skipped');
  }

  gap(_pod: string, filled: boolean): void {
    this.metrics.gaps.inc({ outcome: filled ? 'filled' : 'unrecoverable' });
  }

  hasRoom(): boolean {
    return this.producer.hasRoom();
  }

  room(): Promise<void> {
    return this.producer.room();
  }

  paused(): void {
    this.metrics.pauses.inc();
  }

  private publish(pod: string, seq: number, ts: number, dataParallelRank: number, events: KvEvent[], extra: Record<string, string>): void {
    const model = this.known.get(pod)?.models?.[0] ?? '';
    const value = kvEventBatchCodec.encode({ endpointId: pod, model, ts, seq, dataParallelRank, events });
    this.producer.enqueue({ topic: kvEventBatchCodec.topic, key: pod, value, headers: { ...recordHeaders(kvEventBatchCodec), ...extra } });
  }

  private upsert(pod: PodConfig): void {
    const before = this.known.get(pod.id);
    this.known.set(pod.id, pod);
    if (before && before.kvEvents.endpoint === pod.kvEvents.endpoint && before.kvEvents.replayEndpoint === pod.kvEvents.replayEndpoint) return;
    // A pod whose sockets changed is followed again, from what the topic holds of it.
    const sub = this.subs.get(pod.id);
    if (sub) {
      this.subs.delete(pod.id);
      this.metrics.owner.remove({ pod: pod.id });
      this.reconciling = this.reconciling.then(() => sub.stop());
    }
    this.reconcile();
  }

  private remove(id: string): void {
    if (!this.known.delete(id)) return;
    const sub = this.subs.get(id);
    if (!sub) return;
    // Only the owner clears a pod that went away, once.
    this.subs.delete(id);
    this.metrics.owner.remove({ pod: id });
    void sub.stop();
    this.cleared(id, 'gone');
    this.reconcile();
  }

  /** Brings the subscriptions in line with ownership and discovery (queued behind earlier changes). */
  private reconcile(): void {
    if (this.stopped) return;
    this.reconciling = this.reconciling.then(() => this.apply()).catch((err: Error) => this.logger.error({ err: err.message }, 'KV ingestion ownership change failed'));
  }

  private async apply(): Promise<void> {
    const want = this.owned ? ownedPods(this.known.keys(), this.owned.partitions, this.owned.count) : [];
    const change = ownershipChange(this.subs.keys(), want);
    const stopping = change.stop.map((id) => {
      const sub = this.subs.get(id) as PodSubscriber;
      this.subs.delete(id);
      this.metrics.owner.remove({ pod: id });
      return sub.stop();
    });
    await Promise.all(stopping);
    if (change.stop.length > 0) this.logger.info({ released: change.stop }, 'stopped ingesting pods (owned elsewhere now, or ownership moving)');
    if (change.start.length === 0) return;
    // Resume where the topic stands: what this replica published is written, and read back, first
    // (as is whatever the previous owner wrote before it stopped or died).
    await this.producer.flushed();
    await this.topic.caughtUp();
    const owned = this.owned;
    if (!owned || this.stopped) return; // revoked or stopped meanwhile
    for (const id of ownedPods(change.start, owned.partitions, owned.count)) {
      const pod = this.known.get(id);
      if (!pod || this.subs.has(id)) continue;
      const sub = new PodSubscriber(pod, this, this.logger);
      this.subs.set(id, sub);
      this.metrics.owner.set({ pod: id }, 1);
      sub.start(this.topic.cursor(id));
      this.logger.info({ pod: id, endpoint: pod.kvEvents.endpoint }, 'ingesting KV events (this replica owns the pod)');
    }
  }
}
