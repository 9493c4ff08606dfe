// The running autoscaler: the load and request consumers, the actuator, the sync timer, leader
// election (kubernetes: only the Lease holder decides and writes) and the outputs: gauges, the
// llmd.scaling-decisions.v1 topic and GET /debug/decisions.
import type { Kafka } from 'kafkajs';
import type { Logger } from 'pino';
import { LeaderElector } from '@llmd/controller-kit';
import { BufferedProducer, Counter, HealthChecks, Registry, TopicConsumer } from '@llmd/platform';
import { endpointLoadCodec, recordHeaders, requestMetricsCodec, scalingDecisionCodec, ScalingDecisionRecord, TOPICS } from '@llmd/telemetry';
import { Actuator, isInvalid, ListedPool } from './actuators/actuator';
import { createActuator } from './actuators/create-actuator';
import type { AutoscalerConfig } from './config';
import { registerLoadGauges } from './inputs/load-gauges';
import { PoolLoadView } from './inputs/pool-load';
import { AutoscalerLoop, type SyncMode } from './loop/autoscaler-loop';
import { AutoscalerMetrics } from './telemetry/autoscaler-metrics';
import { DecisionLog } from './telemetry/decision-log';

/** The longest start-up waits for the request history before it decides anyway. */
const SEED_WAIT_MS = 60000;

export interface RuntimeDeps {
  kafka: Kafka;
  producer: BufferedProducer;
  health: HealthChecks;
  registry: Registry;
  logger: Logger;
  debug: Map<string, () => unknown>;
}

export class AutoscalerRuntime {
  private readonly view: PoolLoadView;
  private readonly metrics: AutoscalerMetrics;
  private readonly log: DecisionLog;
  private readonly loadRecords: Counter;
  private readonly consumers: TopicConsumer[] = [];
  private actuator?: Actuator;
  private loop?: AutoscalerLoop;
  private elector?: LeaderElector;
  private requests?: TopicConsumer;
  private timer?: NodeJS.Timeout;
  private syncing = false;
  private stopped = false;
  /** Until the retained requests are read: they go to the history bins, not to the live windows. */
  private seeding = false;
  private readonly startedAtMs = Date.now();

  constructor(private readonly config: AutoscalerConfig, private readonly deps: RuntimeDeps) {
    this.view = new PoolLoadView(config.endpointTtlMs);
    this.loadRecords = registerLoadGauges(deps.registry, this.view);
    this.metrics = new AutoscalerMetrics(deps.registry);
    this.log = new DecisionLog(config.decisionsPerPool);
    deps.debug.set('decisions', () => ({ actuator: config.actuator, mode: config.mode, leading: this.leading(), seeding: this.seeding, pools: this.log.view() }));
  }

  start(): void {
    const { health, logger } = this.deps;
    const load = this.consumer('load', TOPICS.endpointLoad, false, (value) => {
      this.view.observe(endpointLoadCodec.decode(value));
      this.loadRecords.inc();
    });
    health.register('kafka-consumer', () => load.isReady());
    const made = createActuator(this.config, logger);
    if ('missing' in made) {
      logger.error({ actuator: this.config.actuator }, `${made.missing}: no pools to autoscale; not ready`);
      health.register('kubernetes', () => false);
      return;
    }
    const actuator = made.actuator;
    this.actuator = actuator;
    if (actuator.kind === 'none') {
      logger.info('actuator none: exporting pool load only, deciding nothing');
      return;
    }
    health.register(actuator.kind === 'kubernetes' ? 'informers-synced' : 'pool-control-server', () => actuator.ready());
    health.register('requests-consumer', () => this.requests?.isReady() ?? false);
    this.loop = new AutoscalerLoop({
      actuator,
      mode: this.config.mode,
      load: this.view,
      logger,
      onDecision: (d, pool) => this.publish(d, pool),
      onPoolGone: (key, pool) => {
        this.metrics.poolGone(pool.namespace, pool.name);
        this.log.forget(key);
      },
      onScaleError: (pool) => this.metrics.scaleError(pool.namespace, pool.name),
    });
    const le = this.config.leaderElection;
    if (actuator.kind === 'kubernetes' && le.enabled && made.kc) {
      this.elector = new LeaderElector({
        kc: made.kc,
        namespace: le.namespace,
        name: le.leaseName,
        identity: le.identity,
        logger,
        registry: this.deps.registry,
        onStartedLeading: () => logger.info({ identity: le.identity }, 'leading: deciding and writing replicas'),
        onStoppedLeading: () => {
          logger.warn({ identity: le.identity }, 'not leading: recording traffic, deciding nothing');
          this.metrics.forgetPools();
        },
      });
      health.register('leader', () => this.elector?.isLeader ?? false, { critical: false });
    }
    void this.begin(actuator);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    await this.elector?.stop();
    await this.actuator?.stop?.();
    await Promise.all(this.consumers.map((c) => c.stop()));
  }

  private leading(): boolean {
    return this.elector ? this.elector.isLeader : true;
  }

  /** Actuator up, a first listing (so requests find their pools), the request consumer, then the timer. */
  private async begin(actuator: Actuator): Promise<void> {
    const { logger } = this.deps;
    await actuator.start?.().catch((err: Error) => logger.error({ err: err.message }, 'actuator failed to start'));
    if (this.stopped) return;
    await this.sync('list');
    this.seeding = this.config.seedHistory;
    const requests = this.consumer('requests', TOPICS.requestMetrics, this.config.seedHistory, (value) => this.onRequest(value));
    this.requests = requests;
    if (this.seeding) void this.seedWhenCaughtUp(requests);
    this.elector?.run();
    // Decisions wait for the history (a forecaster is fed in time order), at most SEED_WAIT_MS.
    // A standby decides in shadow: its windows and history are warm when it takes the lease.
    this.timer = setInterval(() => void this.sync(this.seeding ? 'list' : this.leading() ? 'decide' : 'shadow'), this.config.syncSeconds * 1000);
    this.timer.unref();
  }

  private async seedWhenCaughtUp(requests: TopicConsumer): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const caughtUp = await Promise.race([
      requests.caughtUp().then(() => true),
      new Promise<boolean>((resolve) => {
        timer = setTimeout(() => resolve(false), SEED_WAIT_MS);
        timer.unref();
      }),
    ]);
    clearTimeout(timer);
    this.seeding = false;
    const pools = this.loop?.seedHistory() ?? 0;
    if (caughtUp) this.deps.logger.info({ pools }, 'request history read: predictive history seeded');
    else this.deps.logger.warn({ pools, waitedMs: SEED_WAIT_MS }, 'request history not read in time: seeded with what was read, deciding now');
  }

  private onRequest(value: Buffer): void {
    const loop = this.loop;
    if (!loop) return;
    const r = requestMetricsCodec.decode(value);
    if (this.seeding && r.startUnixMs + r.e2eMs < this.startedAtMs) {
      loop.addHistory(r);
      return;
    }
    this.metrics.request(loop.observeRequest(r));
  }

  private async sync(mode: SyncMode): Promise<void> {
    const loop = this.loop;
    if (!loop || this.syncing || this.stopped) return;
    this.syncing = true;
    const end = this.metrics.syncDuration.startTimer();
    try {
      await loop.sync(Date.now(), mode);
      end({ status: 'success' });
    } catch (err) {
      end({ status: 'error' });
      this.deps.logger.warn({ err: (err as Error).message }, 'sync failed: pools not listed');
    } finally {
      this.syncing = false;
    }
  }

  private publish(d: ScalingDecisionRecord, pool: ListedPool): void {
    this.metrics.decision(d, isInvalid(pool) ? undefined : pool.acceleratorType);
    this.log.add(d);
    const key = `${d.namespace}/${d.pool}`;
    this.deps.producer.enqueue({ topic: scalingDecisionCodec.topic, key, value: scalingDecisionCodec.encode(d), headers: recordHeaders(scalingDecisionCodec) });
    if (d.desiredReplicas !== d.currentReplicas || d.reason === 'invalid-spec') {
      this.deps.logger.info({ pool: key, reason: d.reason, from: d.currentReplicas, to: d.desiredReplicas, applied: d.applied, limitedBy: d.limitedBy || undefined }, d.message);
    }
  }

  private consumer(name: string, topic: string, fromBeginning: boolean, handle: (value: Buffer) => void): TopicConsumer {
    const { kafka, logger } = this.deps;
    const consumer = new TopicConsumer({
      kafka,
      // A group per replica and input, offsets never committed: each replica reads all partitions, and
      // a restart reads from the end again (or, seeding, from the beginning).
      groupId: `${this.config.groupId}-${name}-${this.config.leaderElection.identity}`,
      topics: [topic],
      logger,
      fromBeginning,
      autoCommit: false,
      handler: ({ message }) => {
        if (!message.value) return;
        try {
          handle(message.value);
        } catch (err) {
          if (name === 'requests') this.metrics.request('undecodable');
          logger.warn({ topic, err: (err as Error).message }, 'undecodable record skipped');
        }
      },
    });
    void consumer.start();
    this.consumers.push(consumer);
    return consumer;
  }
}
