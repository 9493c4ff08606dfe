// Wiring of the scheduler app: data layer, scheduling pipeline, gRPC server, load telemetry.
import { DynamicModule, Inject, Module, OnApplicationBootstrap, OnApplicationShutdown, Optional } from '@nestjs/common';
import { costModelFor } from '@llmd/gpu-cost';
import { extprocv3, healthv1, schedulerv1 } from '@llmd/proto';
import { BoundHistogram, BoundHistogramChild, BufferedProducer, Counter, DEBUG_VIEWS, Gauge, grpcChannelSecurity, grpcHealthImplementation, GrpcServer, grpcServerSecurity, HealthChecks, Histogram, KafkaModule, LOGGER, Registry } from '@llmd/platform';
import { recordHeaders, type RequestMetricsRecord, requestMetricsCodec } from '@llmd/telemetry';
import { buildPipeline, ExtensionPoint, Plugin, PluginRegistry, promptDigestSpecOf, registerBuiltinPlugins, Scheduler } from '@llmd/scoring';
import type { Logger } from 'pino';
import { DEFAULT_CIRCUIT, KvCacheClient, LATE_ANSWER_MS } from './cache/kv-cache.client';
import { resolvePickerConfig, SCHEDULER_CONFIG, SchedulerConfig } from './config';
import { EndpointRegistry } from './datalayer/endpoint-registry';
import { InFlightTracker } from './datalayer/in-flight-tracker';
import { KubernetesEndpointSource } from './datalayer/kubernetes.source';
import { LocalRegistrySource } from './datalayer/local-registry.source';
import { MetricsScraper } from './datalayer/metrics-scraper';
import { schedulerGrpcImplementation } from './grpc/scheduler.grpc-service';
import { FlowController } from './flow/flow-controller';
import { extProcImplementation } from './extproc/ext-proc.service';
import { DecisionLog } from './scheduling/decision-log';
import { PickService } from './scheduling/pick.service';
import { LoadPublisher } from './telemetry/load-publisher';

/** Builds the plugin pipeline from config; the framework's timings go to a histogram. */
function createScheduler(config: SchedulerConfig, registry: Registry, prefixCache: KvCacheClient | undefined): Scheduler {
  const fallbacks = new Counter({ name: 'llmd_scheduler_fallbacks_total', help: 'Precise prefix lookups answered by the approximate index instead, by reason', labelNames: ['reason'], registers: [registry] });
  const pipeline = buildPipeline(resolvePickerConfig(config), registerBuiltinPlugins(new PluginRegistry()), {
    random: Math.random,
    now: Date.now,
    prefixCache,
    countFallback: (reason) => fallbacks.inc({ reason }),
    // The measured GPU tables for latency prediction (the tables only: the simulator is not shipped).
    costModels: costModelFor,
  });
  const durations = new BoundHistogram({
    name: 'llmd_scheduler_plugin_duration_seconds',
    help: 'Time spent in each scheduling plugin call',
    labelNames: ['extension_point', 'plugin_type', 'plugin_name'],
    buckets: [0.00001, 0.00005, 0.0001, 0.0005, 0.001, 0.005, 0.01, 0.05],
    registers: [registry],
  });
  // One labelled child per plugin and extension point, resolved once: no label hashing per call.
  const children = new Map<Plugin, Map<ExtensionPoint, BoundHistogramChild>>();
  return new Scheduler(pipeline, {
    observe: (point, plugin, ms) => {
      let byPoint = children.get(plugin);
      if (!byPoint) children.set(plugin, (byPoint = new Map()));
      let child = byPoint.get(point);
      if (!child) {
        const { type, name } = plugin.typedName();
        byPoint.set(point, (child = durations.bind({ extension_point: point, plugin_type: type, plugin_name: name })));
      }
      child.observe(ms / 1000);
    },
  });
}

/** What an Envoy-fronted request leaves behind: the scheduler's own request metrics, and the gateway's Kafka record. */
function extProcRecorder(registry: Registry, producer: BufferedProducer | undefined): { record: (r: RequestMetricsRecord) => void; outcome: (result: string) => void } {
  const outcomes = new Counter({ name: 'llmd_scheduler_ext_proc_requests_total', help: 'Requests an Envoy gateway asked the picker about, by outcome (picked, no-body, bad-request, shed, no-endpoint, error)', labelNames: ['result'], registers: [registry] });
  const finished = new Counter({ name: 'llmd_scheduler_ext_proc_responses_total', help: 'Requests routed through ext_proc whose response ended, by HTTP status (499: the client went away)', labelNames: ['status'], registers: [registry] });
  const ttft = new Histogram({ name: 'llmd_scheduler_ext_proc_ttft_seconds', help: 'Time to first token of streamed requests routed through ext_proc, from their headers reaching the picker', buckets: [0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30], registers: [registry] });
  const tokens = new Counter({ name: 'llmd_scheduler_ext_proc_tokens_total', help: 'Tokens of requests routed through ext_proc, by kind (prompt, completion, cached), from the responses\' usage', labelNames: ['kind'], registers: [registry] });
  return {
    outcome: (result) => outcomes.inc({ result }),
    record: (r) => {
      finished.inc({ status: String(r.httpStatus) });
      if (r.ttftMs > 0) ttft.observe(r.ttftMs / 1000);
      tokens.inc({ kind: 'prompt' }, r.promptTokens);
      tokens.inc({ kind: 'completion' }, r.completionTokens);
      tokens.inc({ kind: 'cached' }, r.cachedTokens);
      producer?.enqueue({ topic: requestMetricsCodec.topic, key: r.decodeEndpoint || 'none', value: requestMetricsCodec.encode(r), headers: recordHeaders(requestMetricsCodec) });
    },
  };
}

/** Names the gRPC health service answers: liveness always, the rest while the scheduler is ready. */
function healthServices(health: HealthChecks) {
  const ready = async () => (await health.readiness()).ready;
  return { liveness: () => true, readiness: ready, '': ready, 'inference-extension': ready, 'envoy.service.ext_proc.v3.ExternalProcessor': ready, 'llmd.scheduler.v1.Scheduler': ready };
}

class SchedulerRuntime implements OnApplicationBootstrap, OnApplicationShutdown {
  private grpc: GrpcServer | undefined;
  private extProc: GrpcServer | undefined;
  extProcPort = 0;
  private expiry: NodeJS.Timeout | undefined;
  private localRegistry: LocalRegistrySource | undefined;
  private kubernetes: KubernetesEndpointSource | undefined;
  boundPort = 0;

  constructor(
    @Inject(SCHEDULER_CONFIG) private readonly config: SchedulerConfig,
    @Inject(PickService) private readonly picks: PickService,
    @Inject(MetricsScraper) private readonly scraper: MetricsScraper,
    @Inject(InFlightTracker) private readonly inFlight: InFlightTracker,
    @Inject(LoadPublisher) private readonly publisher: LoadPublisher | undefined,
    @Inject(EndpointRegistry) private readonly endpoints: EndpointRegistry,
    @Inject(HealthChecks) private readonly health: HealthChecks,
    @Inject(LOGGER) private readonly logger: Logger,
    @Inject(KvCacheClient) private readonly kvCache: KvCacheClient | undefined,
    @Inject(FlowController) private readonly flow: FlowController,
    @Inject(Registry) private readonly registry: Registry,
    @Optional() @Inject(BufferedProducer) private readonly producer: BufferedProducer | undefined,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    if (this.config.localRegistryDir) {
      this.localRegistry = new LocalRegistrySource(this.config.localRegistryDir, this.endpoints, this.logger);
      await this.localRegistry.start();
    }
    if (this.config.kubernetes) {
      const kubernetes = new KubernetesEndpointSource(this.config.kubernetes, this.endpoints, this.logger);
      this.kubernetes = kubernetes;
      this.health.register('kubernetes', () => kubernetes.synced());
      // Not awaited: an unreachable API server must not keep gRPC down; readiness waits for the first list.
      kubernetes.start().catch((err: Error) => this.logger.error({ err: err.message }, 'kubernetes discovery could not start; retrying'));
    }
    this.scraper.start();
    this.publisher?.start();
    this.expiry = setInterval(() => this.inFlight.expire(), 5000);
    const health = { definition: healthv1.HealthService, implementation: grpcHealthImplementation(healthServices(this.health)) };
    this.grpc = new GrpcServer([{ definition: schedulerv1.SchedulerService, implementation: schedulerGrpcImplementation(this.picks, this.flow, this.logger, promptDigestSpecOf(resolvePickerConfig(this.config))) }, health]);
    const security = grpcServerSecurity(this.config.grpc.tls, 'grpc.tls', this.logger);
    this.boundPort = await this.grpc.start(this.config.grpc.host, this.config.grpc.port, security);
    this.health.register('grpc', () => this.boundPort > 0);
    // Ready once the first scrape of every endpoint it started with has finished (a Pick before that
    // would not see pods it has not heard from yet, e.g. the only prefill pod), and while one is
    // healthy. Latched: endpoints discovered later do not take readiness away while they are scraped.
    let fleetSeen = false;
    this.health.register('endpoints', () => (fleetSeen ||= this.endpoints.specs().length > 0 && this.endpoints.allScrapedOnce()) && this.endpoints.candidates().length > 0);
    this.logger.info({ grpcPort: this.boundPort, endpoints: this.endpoints.specs().length, ...security.description }, 'scheduler gRPC serving');
    const ext = this.config.extProc;
    if (ext.enabled) {
      const { record, outcome } = extProcRecorder(this.registry, this.producer);
      const implementation = extProcImplementation({ picks: this.picks, flow: this.flow, logger: this.logger, options: { maxBodyBytes: ext.maxBodyBytes, pickTimeoutMs: ext.pickTimeoutMs, destinations: ext.destinations }, record, outcome });
      this.extProc = new GrpcServer([{ definition: extprocv3.ExternalProcessorService, implementation }, health]);
      const extSecurity = grpcServerSecurity(ext.tls, 'extProc.tls', this.logger);
      this.extProcPort = await this.extProc.start(ext.host, ext.port, extSecurity);
      this.health.register('ext-proc', () => this.extProcPort > 0);
      this.logger.info({ extProcPort: this.extProcPort, ...extSecurity.description }, 'endpoint picker (Envoy ext_proc) serving');
    }
  }

  async onApplicationShutdown(): Promise<void> {
    this.flow.drain();
    this.localRegistry?.stop();
    await this.kubernetes?.stop();
    await Promise.all([this.grpc?.stop(this.config.shutdown.graceMs), this.extProc?.stop(this.config.shutdown.graceMs)]);
    if (this.expiry) clearInterval(this.expiry);
    this.publisher?.stop();
    await this.scraper.stop();
    this.kvCache?.close();
  }
}

@Module({})
export class SchedulerModule {
  static forRoot(config: SchedulerConfig): DynamicModule {
    return {
      module: SchedulerModule,
      // Load snapshots are telemetry: Picks never wait on Kafka, so it does not gate readiness; with
      // Kafka off (as in the gateway) there is no producer and no publisher.
      imports: config.kafka.enabled ? [KafkaModule.forRoot({ clientId: 'llmd-scheduler', brokers: config.kafka.brokers, tls: config.kafka.tls, sasl: config.kafka.sasl, bufferSize: config.kafka.bufferSize, critical: false })] : [],
      providers: [
        { provide: SCHEDULER_CONFIG, useValue: config },
        {
          provide: EndpointRegistry,
          useFactory: () => {
            const registry = new EndpointRegistry(config.scrape.staleAfterMs);
            for (const e of config.endpoints) registry.upsert(e);
            return registry;
          },
        },
        {
          provide: InFlightTracker,
          inject: [EndpointRegistry, Registry],
          useFactory: (r: EndpointRegistry, registry: Registry) => {
            const tracker = new InFlightTracker(r, config.inFlightLeaseMs);
            // A lease the gateway never completed shows here until it expires (the soak reads it after draining).
            new Gauge({ name: 'llmd_scheduler_in_flight_leases', help: 'Picked requests not completed yet (leases held until Complete or expiry)', registers: [registry], collect() { this.set(tracker.size()); } });
            return tracker;
          },
        },
        {
          provide: FlowController,
          inject: [EndpointRegistry, Registry],
          useFactory: (r: EndpointRegistry, registry: Registry) => {
            const outcomes = new Counter({ name: 'llmd_scheduler_flow_control_total', help: 'Flow-control outcomes: admitted, queued, dequeued, and refusals by reason', labelNames: ['outcome'], registers: [registry] });
            const flow = new FlowController(config.flowControl, (keep) => r.countCandidates(keep), outcomes);
            new Gauge({ name: 'llmd_scheduler_flow_control_queued', help: 'Requests held by flow control', registers: [registry], collect() { this.set(flow.queued); } });
            return flow;
          },
        },
        {
          provide: MetricsScraper,
          inject: [EndpointRegistry, LOGGER, FlowController],
          useFactory: (r: EndpointRegistry, l: Logger, flow: FlowController) => new MetricsScraper(r, config.scrape, l, () => flow.dispatch()),
        },
        {
          provide: KvCacheClient,
          inject: [LOGGER],
          useFactory: (logger: Logger) => {
            const { address, tls } = config.cacheManager;
            if (!address) return undefined;
            const security = grpcChannelSecurity(tls, 'cacheManager.tls', logger);
            logger.info({ address, ...security.description }, 'cache-manager channel');
            return new KvCacheClient(address, DEFAULT_CIRCUIT, LATE_ANSWER_MS, security);
          },
        },
        { provide: Scheduler, inject: [Registry, KvCacheClient], useFactory: (registry: Registry, kv: KvCacheClient | undefined) => createScheduler(config, registry, kv) },
        {
          provide: DecisionLog,
          inject: [DEBUG_VIEWS],
          useFactory: (views: Map<string, () => unknown>) => {
            const log = new DecisionLog(config.decisionLogSize);
            views.set('decisions', () => log.list());
            return log;
          },
        },
        {
          provide: PickService,
          inject: [Scheduler, EndpointRegistry, InFlightTracker, Registry, DecisionLog],
          useFactory: (s: Scheduler, r: EndpointRegistry, t: InFlightTracker, registry: Registry, log: DecisionLog) =>
            new PickService(
              s,
              r,
              t,
              new Counter({ name: 'llmd_scheduler_picks_total', help: 'Pick results', labelNames: ['result'], registers: [registry] }),
              log,
              new Counter({ name: 'llmd_scheduler_profile_runs_total', help: 'Scheduling profiles run, by profile name and whether it picked an endpoint (picked, none)', labelNames: ['profile', 'result'], registers: [registry] }),
            ),
        },
        {
          provide: LoadPublisher,
          inject: [EndpointRegistry, { token: BufferedProducer, optional: true }],
          useFactory: (r: EndpointRegistry, p?: BufferedProducer) => (p ? new LoadPublisher(r, p, config.loadPublishIntervalMs) : undefined),
        },
        SchedulerRuntime,
      ],
    };
  }
}
