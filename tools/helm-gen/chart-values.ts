// The keys a service chart adds beside `config` (image, replicas, resources, spread, disruption budget,
// monitoring, network policy): a zod schema with each key's description, and the chart's defaults.
import { z } from 'zod';

const k8s = (what: string) => z.record(z.string(), z.unknown()).describe(what);
const labels = (what: string) => z.record(z.string(), z.string()).describe(what);
const list = (what: string) => z.array(z.record(z.string(), z.unknown())).describe(what);

const duration = (what: string) => z.string().regex(/^\d+(ms|s|m|h)$/).describe(what);

/** The ConfigMap of the chart's Grafana dashboards (its dashboards/*.json), for Grafana's dashboard sidecar. */
const grafanaDashboardSchema = z
  .object({
    enabled: z.boolean().describe('Render a ConfigMap holding the chart\'s dashboards (dashboards/*.json in the chart) for the Grafana sidecar.'),
    labels: labels('Labels of the ConfigMap: the one your Grafana sidecar selects (kube-prometheus-stack: `grafana_dashboard: "1"`).'),
    annotations: labels('Annotations of the ConfigMap, e.g. the folder the sidecar files the dashboards in (`grafana_folder`, with the sidecar\'s `folderAnnotation` set to it).'),
  })
  .describe('Grafana dashboards.');

const alertSchema = z
  .object({
    enabled: z.boolean().describe('Render this alert.'),
    severity: z.enum(['info', 'warning', 'critical']).describe('Its `severity` label.'),
    for: duration('How long the condition must hold before it fires.'),
    threshold: z.number().min(0).describe('The value the alert\'s expression is compared with (see the chart README\'s alert list).'),
  })
  .describe('One alert.');

/** A PrometheusRule of the service's alerts; `alerts` is keyed by alert name (the template refuses a name it does not know). */
const prometheusRuleSchema = z
  .object({
    enabled: z.boolean().describe('Render a prometheus-operator PrometheusRule with the service\'s alerts (needs its CRDs).'),
    labels: labels('Extra labels, e.g. the one your Prometheus selects rules by (kube-prometheus-stack: `release: <its release>`).'),
    alerts: z.record(z.string(), alertSchema).describe('Each alert by name: `enabled`, `severity`, `for`, `threshold` (the README lists what each threshold means).'),
  })
  .describe('Alerts (each with summary, description and runbook annotations).');

/** The upper bounds of the gateway's TTFT histogram (llmd_gateway_ttft_seconds): an SLO target must be one. */
export const TTFT_BUCKETS = ['0.005', '0.01', '0.025', '0.05', '0.1', '0.25', '0.5', '1', '2.5', '5', '10', '30', '60', '120', '300'] as const;

const ttftSloSchema = z
  .object({
    targetSeconds: z.enum(TTFT_BUCKETS).describe('Time to first token a streamed request should beat: one of the TTFT histogram\'s bucket bounds (the burn rate counts requests in the `le` bucket).'),
    objective: z.number().gt(0).lt(1).describe('Share of streamed requests that must beat it (0.99: an error budget of 1%).'),
  })
  .describe('The TTFT objective the burn-rate alerts measure against.');

/** One alert's defaults and the README's words for it. */
export interface AlertDefault {
  severity: 'info' | 'warning' | 'critical';
  for: string;
  threshold: number;
  /** What fires it, for the README: the threshold's meaning. */
  doc: string;
}

/** The alerts each service chart's PrometheusRule renders (templates/prometheusrule.yaml holds their expressions and runbooks). */
export const SERVICE_ALERTS: Record<string, Record<string, AlertDefault>> = {
  gateway: {
    LlmdGatewayFailOpenRate: { severity: 'warning', for: '10m', threshold: 0.05, doc: 'share of requests routed by the gateway itself because the scheduler failed (fail-open), over 5 minutes, above `threshold`' },
    LlmdGatewayErrorRate: { severity: 'warning', for: '10m', threshold: 0.05, doc: 'share of requests answered 5xx, over 5 minutes, above `threshold`' },
    LlmdGatewayTTFTBudgetBurnFast: { severity: 'critical', for: '2m', threshold: 14.4, doc: 'the TTFT error budget (`prometheusRule.ttftSlo`) burning faster than `threshold` times the sustainable rate over both 1 hour and 5 minutes (14.4: 2% of a 30-day budget in an hour)' },
    LlmdGatewayTTFTBudgetBurnSlow: { severity: 'warning', for: '15m', threshold: 6, doc: 'the same over both 6 hours and 30 minutes (6: 5% of a 30-day budget in 6 hours)' },
    LlmdGatewayTelemetryDrops: { severity: 'warning', for: '10m', threshold: 0, doc: 'request-metrics records dropped by the Kafka producer (its buffer full), per second over 5 minutes, above `threshold`' },
  },
  scheduler: {
    LlmdSchedulerFallbackRate: { severity: 'warning', for: '10m', threshold: 0.1, doc: 'precise prefix lookups answered by the approximate index instead (cache-manager failed or slow), per pick over 5 minutes, above `threshold`' },
    LlmdSchedulerNoEndpoint: { severity: 'critical', for: '5m', threshold: 0.01, doc: 'share of picks that found no endpoint, over 5 minutes, above `threshold`' },
    LlmdSchedulerFlowControlShedding: { severity: 'warning', for: '10m', threshold: 0.05, doc: 'share of flow-control decisions that refused a request (saturated-sheddable, queue-full, queue-timeout), over 5 minutes, above `threshold`' },
    LlmdSchedulerTelemetryDrops: { severity: 'warning', for: '10m', threshold: 0, doc: 'endpoint-load records dropped by the Kafka producer (its buffer full), per second over 5 minutes, above `threshold`' },
  },
  'cache-manager': {
    LlmdCacheManagerKvEventsLost: { severity: 'warning', for: '0m', threshold: 0, doc: 'KV-event gaps the replay socket could not fill (the pod\'s entries were cleared), in 15 minutes, above `threshold`' },
    LlmdCacheManagerKvEventGaps: { severity: 'info', for: '15m', threshold: 0.1, doc: 'KV-event gaps of any outcome (filled from replay or not), per second over 10 minutes, above `threshold`' },
    LlmdCacheManagerUndecodableBatches: { severity: 'warning', for: '10m', threshold: 0, doc: 'KV-event batches that could not be decoded, per second over 5 minutes, above `threshold`' },
    LlmdCacheManagerKvProducerErrors: { severity: 'warning', for: '10m', threshold: 0, doc: 'failed writes of KV events to Kafka (kept and retried; a full buffer pauses ingestion), per second over 5 minutes, above `threshold`' },
  },
  autoscaler: {
    LlmdAutoscalerScaleErrors: { severity: 'warning', for: '10m', threshold: 0, doc: 'failed writes of desired replicas (ServingPools\' /scale), per second over 10 minutes, above `threshold`' },
    LlmdAutoscalerNoLoad: { severity: 'warning', for: '15m', threshold: 0, doc: 'endpoint-load records consumed per second over 10 minutes at or below `threshold` (the autoscaler decides on no data)' },
  },
};

/** The dashboards (dashboards/<name>.json, uid <name>) each service chart ships, and what each shows. */
export const SERVICE_DASHBOARDS: Record<string, { name: string; shows: string }[]> = {
  gateway: [{ name: 'llmd-gateway', shows: 'requests by model and status, errors by status, in-flight requests, TTFT, inter-token and end-to-end latency (p50, p90, p99), fail-opens by reason, retries and P/D fallbacks, the request-metrics Kafka producer' }],
  scheduler: [
    { name: 'llmd-scheduler', shows: 'picks by result (unified, disaggregated, no endpoint), decisions by profile (each scheduling profile that ran, picked or none), plugin latency by extension point and plugin, prefix-cache fallbacks, flow control (queue length, outcomes, shed), the endpoint-load Kafka producer' },
    // vLLM's own metrics: the scheduler is the chart of the pools it picks from (real vLLM or vllm-sim).
    { name: 'llmd-pools', shows: "the model servers the scheduler picks from, by vLLM's own metrics (`vllm:*`; vllm-sim exports the same): KV-cache usage, waiting and running requests per pod, prefix-cache hit rate, TTFT and queue time per pod, tokens/s, preemptions. Prometheus must scrape the model-server pods (e.g. a PodMonitor of yours)" },
  ],
  'cache-manager': [{ name: 'llmd-cache-manager', shows: 'KV-event ingest rate, pods owned per replica, replay gaps by outcome, pod clears, index size and block churn, hit rate by tier (of the prompt blocks Score was asked about, the share the best pod holds on GPU, CPU, disk), lookup and tokenization latency, the KV-event Kafka producer' }],
  autoscaler: [{ name: 'llmd-autoscaler', shows: 'desired vs current replicas per pool (`wva_desired_replicas`, `wva_current_replicas`), ready and starting pods, scalings, decisions by reason and limiter, sync duration, the pools\' load (waiting, running, KV-cache usage). The pools\' own namespace label is `exported_namespace` (the scrape target\'s `namespace` wins)' }],
};

function monitoringDefaults(service: string): Pick<ChartValues, 'grafanaDashboard' | 'prometheusRule'> {
  const alerts = Object.fromEntries(Object.entries(SERVICE_ALERTS[service] ?? {}).map(([name, a]) => [name, { enabled: true, severity: a.severity, for: a.for, threshold: a.threshold }]));
  const prometheusRule: ChartValues['prometheusRule'] = { enabled: false, labels: {}, alerts };
  // The gateway's rule also holds its TTFT objective (its schema extends the common one).
  if (service === 'gateway') Object.assign(prometheusRule, { ttftSlo: { targetSeconds: '1', objective: 0.99 } });
  return { grafanaDashboard: { enabled: false, labels: { grafana_dashboard: '1' }, annotations: { grafana_folder: 'llmd' } }, prometheusRule };
}

export const chartValuesSchema = z.object({
  image: z
    .object({
      registry: z.string().describe('Registry host (and path) before the repository; empty for none.'),
      repository: z.string().min(1).describe('Image repository.'),
      tag: z.string().describe("Image tag; empty means the chart's appVersion."),
      pullPolicy: z.enum(['Always', 'IfNotPresent', 'Never']).describe('Image pull policy.'),
    })
    .describe('The container image: `<registry>/<repository>:<tag>`.'),
  imagePullSecrets: list('Secrets for pulling the image (`[{name: ...}]`).'),
  replicaCount: z.number().int().min(0).describe('Replicas. Above 1 the chart adds zone spread and a PodDisruptionBudget.'),
  resources: k8s('Container resources (requests and limits).'),
  terminationGracePeriodSeconds: z.number().int().min(0).describe('Grace period on SIGTERM; keep it above `config.shutdown.graceMs`.'),
  podAnnotations: labels('Extra pod annotations.'),
  podLabels: labels('Extra pod labels.'),
  nodeSelector: labels('Pod nodeSelector.'),
  tolerations: list('Pod tolerations.'),
  affinity: k8s('Pod affinity.'),
  extraEnv: list('Extra container env vars (e.g. `OTEL_*`); `LLMD_*` ones override `config`.'),
  extraVolumes: list('Extra pod volumes.'),
  extraVolumeMounts: list('Extra container volume mounts.'),
  kafkaSecrets: z
    .array(
      z.object({
        name: z.string().regex(/^[a-z0-9]([-.a-z0-9]*[a-z0-9])?$/, 'must be a Secret name').describe('The Secret.'),
        mountPath: z.string().regex(/^\/.+/).describe('Where it is mounted, read-only.'),
      }),
    )
    .describe(
      "Secrets holding the files `config.kafka.tls.caFile`/`certFile`/`keyFile` and `config.kafka.sasl.passwordFile` name (Strimzi: `<cluster>-cluster-ca-cert`, a KafkaUser's Secret), each mounted whole so a rotation reaches the pods.",
    ),
  tlsSecrets: z
    .array(
      z.object({
        name: z.string().regex(/^[a-z0-9]([-.a-z0-9]*[a-z0-9])?$/, 'must be a Secret name').describe('The Secret.'),
        mountPath: z.string().regex(/^\/.+/).describe('Where it is mounted, read-only.'),
      }),
    )
    .describe(
      "Secrets holding the certificate files the `config`'s `tls` keys name (`grpc.tls`, `http.tls`, `scheduler.tls`, `cacheManager.tls`: `certFile`/`keyFile`/`caFile`; cert-manager: a Certificate's Secret, keys `tls.crt`, `tls.key`, `ca.crt`), each mounted whole so a renewal reaches the pods (re-read every `reloadMs`, no restart).",
    ),
  serviceAccount: z
    .object({
      create: z.boolean().describe('Create the ServiceAccount.'),
      name: z.string().describe('Its name; empty means the release fullname.'),
    })
    .describe('The pods\' ServiceAccount.'),
  rbac: z.object({ create: z.boolean().describe('Create the Role (get, list, watch pods in the release namespace) and its RoleBinding.') }).describe('Pod discovery RBAC.'),
  service: z.object({ type: z.enum(['ClusterIP', 'NodePort', 'LoadBalancer']).describe('Service type.') }).describe('The Service (gRPC and ops ports, from `config`).'),
  topologySpread: z
    .object({
      enabled: z.boolean().describe('Spread replicas across zones when `replicaCount` > 1.'),
      topologyKey: z.string().min(1).describe('Node label to spread over.'),
      maxSkew: z.number().int().min(1).describe('Largest allowed difference in replicas between two zones.'),
      whenUnsatisfiable: z.enum(['ScheduleAnyway', 'DoNotSchedule']).describe('`ScheduleAnyway` prefers spreading; `DoNotSchedule` requires it.'),
    })
    .describe('topologySpreadConstraints.'),
  podDisruptionBudget: z
    .object({
      enabled: z.boolean().describe('Render a PodDisruptionBudget when `replicaCount` > 1.'),
      maxUnavailable: z.union([z.number().int().min(0), z.string().regex(/^\d+%$/)]).describe('Pods a voluntary disruption may take at once.'),
    })
    .describe('PodDisruptionBudget.'),
  serviceMonitor: z
    .object({
      enabled: z.boolean().describe('Render a prometheus-operator ServiceMonitor (needs its CRDs).'),
      interval: z.string().regex(/^\d+(ms|s|m|h)$/).describe('Scrape interval.'),
      scrapeTimeout: z.string().regex(/^\d+(ms|s|m|h)$/).describe('Scrape timeout.'),
      labels: labels('Extra labels, e.g. the one your Prometheus selects ServiceMonitors by.'),
    })
    .describe('Scraping `/metrics` on the ops port.'),
  grafanaDashboard: grafanaDashboardSchema,
  prometheusRule: prometheusRuleSchema,
  networkPolicy: z
    .object({
      enabled: z.boolean().describe('Render a NetworkPolicy allowing only the architecture\'s arrows.'),
      grpcFrom: list('Peers (NetworkPolicyPeer) allowed to the gRPC port.'),
      metricsNamespace: z.string().describe('Namespace allowed to the ops port (Prometheus); empty allows none.'),
      kafka: z
        .object({
          ports: z.array(z.number().int().min(1).max(65535)).min(1).describe('Broker ports.'),
          to: list('Broker peers (NetworkPolicyPeer); empty allows the ports to any destination.'),
        })
        .describe('Egress to Kafka (`config.kafka.brokers`).'),
      apiServer: z
        .object({
          ports: z.array(z.number().int().min(1).max(65535)).min(1).describe('kube-apiserver ports (443 via the Service, 6443 on most control planes).'),
          to: list('kube-apiserver peers (usually an ipBlock); empty allows the ports to any destination.'),
        })
        .describe('Egress to the kube-apiserver (pod discovery).'),
      extraEgress: list('More egress rules (NetworkPolicyEgressRule), e.g. to static `config` endpoints.'),
    })
    .describe('NetworkPolicy (DNS egress is always allowed).'),
});

export type ChartValues = z.infer<typeof chartValuesSchema>;

/** The chart keys' defaults for a service; `overrides` replace whole top-level keys. */
export function chartDefaults(service: string, overrides: Partial<ChartValues> = {}): ChartValues {
  return {
    image: { registry: '', repository: `llmd-${service}`, tag: '', pullPolicy: 'IfNotPresent' },
    imagePullSecrets: [],
    replicaCount: 1,
    resources: { requests: { cpu: '100m', memory: '256Mi' }, limits: { memory: '1Gi' } },
    terminationGracePeriodSeconds: 45,
    podAnnotations: {},
    podLabels: {},
    nodeSelector: {},
    tolerations: [],
    affinity: {},
    extraEnv: [],
    extraVolumes: [],
    extraVolumeMounts: [],
    kafkaSecrets: [],
    tlsSecrets: [],
    serviceAccount: { create: true, name: '' },
    rbac: { create: true },
    service: { type: 'ClusterIP' },
    topologySpread: { enabled: true, topologyKey: 'topology.kubernetes.io/zone', maxSkew: 1, whenUnsatisfiable: 'ScheduleAnyway' },
    podDisruptionBudget: { enabled: true, maxUnavailable: 1 },
    serviceMonitor: { enabled: false, interval: '15s', scrapeTimeout: '10s', labels: {} },
    ...monitoringDefaults(service),
    networkPolicy: {
      enabled: false,
      grpcFrom: [],
      metricsNamespace: 'monitoring',
      kafka: { ports: [9092], to: [] },
      apiServer: { ports: [443, 6443], to: [] },
      extraEgress: [],
    },
    ...overrides,
  };
}

const ports = (what: string) => z.array(z.number().int().min(1).max(65535)).min(1).describe(what);

/**
 * The gateway's chart keys: an HTTP Service instead of gRPC, an optional HPA, a Secret of API keys,
 * and no RBAC (it reads nothing from the apiserver; no ServiceAccount token is mounted).
 */
export const gatewayChartValuesSchema = chartValuesSchema.omit({ rbac: true, networkPolicy: true }).extend({
  prometheusRule: prometheusRuleSchema.extend({ ttftSlo: ttftSloSchema }),
  service: z.object({ type: z.enum(['ClusterIP', 'NodePort', 'LoadBalancer']).describe('Service type.') }).describe('The Service (http and ops ports, from `config`).'),
  autoscaling: z
    .object({
      enabled: z.boolean().describe('Render a HorizontalPodAutoscaler (autoscaling/v2, CPU); it then owns the replica count.'),
      minReplicas: z.number().int().min(1).describe('Fewest replicas (3 keeps one per zone).'),
      maxReplicas: z.number().int().min(1).describe('Most replicas.'),
      targetCPUUtilizationPercentage: z.number().int().min(1).max(100).describe('Average CPU use, in percent of the request, the HPA holds.'),
    })
    .describe('HorizontalPodAutoscaler.'),
  authKeysSecret: z
    .object({
      name: z.string().describe('A Secret of tenant API keys to mount; empty mounts none.'),
      mountPath: z.string().regex(/^\/.+/).describe('Where it is mounted (the whole Secret, so a rotation reaches the pods); point `config.auth.keysFile` at a key in it.'),
    })
    .describe('API keys from a Secret (`config.auth.keysFile`).'),
  networkPolicy: z
    .object({
      enabled: z.boolean().describe('Render a NetworkPolicy allowing only the architecture\'s arrows.'),
      httpFrom: list('Peers (NetworkPolicyPeer) allowed to the http port; empty allows any source (clients, ingress controllers, load balancers).'),
      metricsNamespace: z.string().describe('Namespace allowed to the ops port (Prometheus); empty allows none.'),
      scheduler: z.object({ to: list('Scheduler peers (NetworkPolicyPeer); the port is `config.scheduler.address`\'s.') }).describe('Egress to the scheduler\'s gRPC.'),
      modelServers: z
        .object({
          ports: ports('Model-server ports (the ports the scheduler\'s `config.kubernetes.targetPorts` lists).'),
          to: list('Model-server peers (NetworkPolicyPeer): the pods the scheduler picks from.'),
        })
        .describe('Egress to the model-server pods (the proxied requests).'),
      kafka: z
        .object({
          ports: ports('Broker ports.'),
          to: list('Broker peers (NetworkPolicyPeer); empty allows the ports to any destination.'),
        })
        .describe('Egress to Kafka (`config.kafka.brokers`).'),
      extraEgress: list('More egress rules (NetworkPolicyEgressRule).'),
    })
    .describe('NetworkPolicy (DNS egress is always allowed).'),
});

/** The scheduler's keys: the shared ones, and who may reach its ext_proc port (Envoy-based Gateways). */
export const schedulerChartValuesSchema = chartValuesSchema.extend({
  networkPolicy: chartValuesSchema.shape.networkPolicy
    .extend({ extProcFrom: list('Peers (NetworkPolicyPeer) allowed to the ext_proc port (`config.extProc`, when enabled): the pods of your Envoy-based Gateway; empty allows any peer.') })
    .describe('NetworkPolicy (DNS egress is always allowed).'),
});

/**
 * The keys of a service that serves only its ops port and works through the apiserver (autoscaler,
 * operator): no gRPC ingress; its RBAC is the service's own (see its README).
 */
export function opsOnlyChartValuesSchema(rbac: string, kafka: boolean) {
  const np = chartValuesSchema.shape.networkPolicy.omit({ grpcFrom: true });
  const base = chartValuesSchema.omit({ tlsSecrets: true });
  return (kafka ? base : base.omit({ kafkaSecrets: true })).extend({
    rbac: z.object({ create: z.boolean().describe(rbac) }).describe('The service account\'s RBAC.'),
    service: z.object({ type: z.enum(['ClusterIP', 'NodePort', 'LoadBalancer']).describe('Service type.') }).describe('The Service (the ops port, from `config`).'),
    networkPolicy: (kafka ? np : np.omit({ kafka: true })).describe('NetworkPolicy (DNS egress is always allowed).'),
  });
}

/** chartDefaults without the keys an ops-only service has no use for. */
export function opsOnlyChartDefaults(service: string, kafka: boolean, overrides: Partial<ChartValues> = {}): Record<string, unknown> {
  const chart = chartDefaults(service, overrides);
  const { grpcFrom: _grpcFrom, kafka: kafkaPolicy, ...np } = chart.networkPolicy;
  const out: Record<string, unknown> = { ...chart, networkPolicy: kafka ? { ...np, kafka: kafkaPolicy } : np };
  // An ops-only service has no gRPC or API port of its own to secure.
  delete out.tlsSecrets;
  if (!kafka) delete out.kafkaSecrets;
  return out;
}
