// Ingestion: one ZMQ subscriber per pod (static pods, and pods in the local registry as they come and
// go), each batch published to llmd.kv-events.v1 keyed by pod, so every replica builds the same index
// from the topic, in each pod's order.
import { DirectoryRegistry, KubernetesPodWatch, type BufferedProducer } from '@llmd/platform';
import { kvEventBatchCodec, recordHeaders } from '@llmd/telemetry';
import type { Logger } from 'pino';
import type { Counter } from 'prom-client';
import { KubernetesPodsConfig, PodConfig, podSchema, registryPodSchema } from '../config';
import { kvSourcesFromPod } from './kubernetes-pods';
import { ClearReason, PodSink, PodSubscriber } from './pod-subscriber';

export class IngestionService implements PodSink {
  private readonly pods = new Map<string, PodSubscriber>();
  private registry: DirectoryRegistry<typeof registryPodSchema> | undefined;
  private kubernetes: KubernetesPodWatch<PodConfig> | undefined;

  constructor(
    private readonly producer: BufferedProducer,
    private readonly logger: Logger,
    private readonly counters: { batches: Counter<'pod'>; clears: Counter<'reason'>; undecodable: Counter },
  ) {}

  async start(staticPods: readonly PodConfig[], registryDir: string | undefined, kubernetes?: KubernetesPodsConfig): Promise<void> {
    for (const p of staticPods) this.add(p);
    if (registryDir) {
      this.registry = new DirectoryRegistry(registryDir, registryPodSchema, {
        upsert: (id, item) => {
          const parsed = podSchema.safeParse(item);
          this.remove(id, false);
          if (parsed.success) this.add(parsed.data);
        },
        remove: (id) => this.remove(id, true),
      }, this.logger);
      await this.registry.start();
    }
    if (kubernetes) {
      const watch = new KubernetesPodWatch(kubernetes, (pod) => kvSourcesFromPod(pod, kubernetes), {
        upsert: (id, source) => {
          if (this.pods.get(id)?.pod.kvEvents.endpoint === source.kvEvents.endpoint) return;
          this.remove(id, false);
          this.add(source);
        },
        remove: (id) => this.remove(id, true),
      }, this.logger);
      this.kubernetes = watch;
      // Not awaited: the API server may be late; the watch retries on its own.
      watch.start().catch((err: Error) => this.logger.error({ err: err.message }, 'kubernetes pod watch could not start'));
    }
  }

  /** False until the Kubernetes pod list has been read once (true without Kubernetes). */
  discoverySynced(): boolean {
    return this.kubernetes?.synced() ?? true;
  }

  async stop(): Promise<void> {
    this.registry?.stop();
    await this.kubernetes?.stop();
    await Promise.all([...this.pods.values()].map((s) => s.stop()));
    this.pods.clear();
  }

  /** Settles once every pod subscribed so far has handed on its state at subscription. */
  async initialSyncs(): Promise<void> {
    await Promise.all([...this.pods.values()].map((s) => s.initialSync));
  }

  podIds(): string[] {
    return [...this.pods.keys()];
  }

  batch(pod: string, seq: number, batch: { ts: number; dataParallelRank: number; events: import('@llmd/telemetry').KvEvent[] }): void {
    this.counters.batches.inc({ pod });
    const model = this.pods.get(pod)?.pod.models?.[0] ?? '';
    this.producer.enqueue({ topic: kvEventBatchCodec.topic, key: pod, value: kvEventBatchCodec.encode({ endpointId: pod, model, ts: batch.ts, seq, dataParallelRank: batch.dataParallelRank, events: batch.events }), headers: recordHeaders(kvEventBatchCodec) });
  }

  /** The pod's entries are no longer trustworthy: every replica clears them (through the topic). */
  cleared(pod: string, reason: ClearReason): void {
    this.counters.clears.inc({ reason });
    this.batch(pod, 0, { ts: Date.now() / 1000, dataParallelRank: 0, events: [{ type: 'AllBlocksCleared' }] });
  }

  undecodable(pod: string, err: Error): void {
    this.counters.undecodable.inc();
    this.logger.warn({ pod, err: err.message }, 'undecodable KV event batch skipped');
  }

  private add(pod: PodConfig): void {
    const sub = new PodSubscriber(pod, this, this.logger);
    this.pods.set(pod.id, sub);
    sub.start();
    this.logger.info({ pod: pod.id, endpoint: pod.kvEvents.endpoint }, 'subscribed to KV events');
  }

  private remove(id: string, gone: boolean): void {
    const sub = this.pods.get(id);
    if (!sub) return;
    this.pods.delete(id);
    void sub.stop();
    if (gone) this.cleared(id, 'gone');
  }
}
