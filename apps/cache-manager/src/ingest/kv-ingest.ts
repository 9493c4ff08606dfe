// The KV-event ingestion of one replica, wired: its own producer (KV events are the index's source of
// truth, not telemetry), the ownership group that gives it its share of the pods, and the subscribers.
import type { Kafka } from 'kafkajs';
import type { Logger } from 'pino';
import { Counter, Gauge, PartitionOwnership, Registry, ReliableProducer } from '@llmd/platform';
import type { CacheManagerConfig } from '../config';
import { IngestionService, KvTopicView } from './ingestion.service';

export class KvIngest {
  readonly producer: ReliableProducer;
  readonly service: IngestionService;
  private readonly ownership: PartitionOwnership;

  constructor(config: CacheManagerConfig, kafka: Kafka, topic: KvTopicView, registry: Registry, logger: Logger) {
    const registers = [registry];
    this.producer = new ReliableProducer({ kafka, registry, logger: logger.child({ component: 'kv-event-producer' }), metricPrefix: 'llmd_cache_manager_kv_producer', capacity: config.ingest.bufferBatches });
    this.service = new IngestionService(this.producer, topic, logger, {
      batches: new Counter({ name: 'llmd_cache_manager_ingested_batches_total', help: 'KV event batches received from the pods this replica ingests', labelNames: ['pod'], registers }),
      clears: new Counter({ name: 'llmd_cache_manager_pod_clears_total', help: 'Pods whose entries this replica cleared, by reason (gap-unrecoverable, restart, pod-start, gone)', labelNames: ['reason'], registers }),
      undecodable: new Counter({ name: 'llmd_cache_manager_undecodable_batches_total', help: 'KV event batches that could not be decoded', registers }),
      gaps: new Counter({ name: 'llmd_cache_manager_kv_event_gaps_total', help: 'Gaps in a pod\'s KV-event sequence numbers, by outcome (filled from the replay socket, or unrecoverable: the pod is cleared)', labelNames: ['outcome'], registers }),
      pauses: new Counter({ name: 'llmd_cache_manager_ingest_paused_total', help: 'Times reading a pod\'s KV-event socket paused because the KV-event producer was full', registers }),
      owner: new Gauge({ name: 'llmd_cache_manager_ingest_owner', help: '1 for each pod this replica ingests (exactly one replica per pod)', labelNames: ['pod'], registers }),
    });
    const rebalances = new Counter({ name: 'llmd_cache_manager_ingest_rebalances_total', help: 'Ownership assignments this replica received (it joined, or a replica joined or died)', registers });
    const partitions = new Gauge({ name: 'llmd_cache_manager_ingest_partitions', help: 'Ownership partitions this replica holds', registers });
    const { ingest } = config;
    this.ownership = new PartitionOwnership({
      kafka,
      logger: logger.child({ component: 'kv-ingest-ownership' }),
      groupId: ingest.groupId,
      topic: ingest.ownershipTopic,
      partitions: ingest.ownershipPartitions,
      sessionTimeoutMs: ingest.sessionTimeoutMs,
      heartbeatIntervalMs: ingest.heartbeatIntervalMs,
      onAssigned: (owned, count) => {
        rebalances.inc();
        partitions.set(owned.length);
        this.service.assigned(owned, count);
      },
    });
  }

  async start(config: CacheManagerConfig): Promise<void> {
    this.producer.start();
    await this.service.start(config.pods, config.localRegistryDir, config.kubernetes);
    void this.ownership.start();
  }

  /** Stops reading the pods, writes what is buffered, then leaves the group (the others take over at once). */
  async stop(graceMs: number): Promise<void> {
    await this.service.stop();
    await this.producer.stop(graceMs);
    await this.ownership.stop();
  }
}
