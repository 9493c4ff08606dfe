// The keys a service chart adds beside `config` (image, replicas, resources, spread, disruption budget,
// monitoring, network policy): a zod schema with each key's description, and the chart's defaults.
import { z } from 'zod';

const k8s = (what: string) => z.record(z.string(), z.unknown()).describe(what);
const labels = (what: string) => z.record(z.string(), z.string()).describe(what);
const list = (what: string) => z.array(z.record(z.string(), z.unknown())).describe(what);

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
    serviceAccount: { create: true, name: '' },
    rbac: { create: true },
    service: { type: 'ClusterIP' },
    topologySpread: { enabled: true, topologyKey: 'topology.kubernetes.io/zone', maxSkew: 1, whenUnsatisfiable: 'ScheduleAnyway' },
    podDisruptionBudget: { enabled: true, maxUnavailable: 1 },
    serviceMonitor: { enabled: false, interval: '15s', scrapeTimeout: '10s', labels: {} },
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

/**
 * The keys of a service that serves only its ops port and works through the apiserver (autoscaler,
 * operator): no gRPC ingress; its RBAC is the service's own (see its README).
 */
export function opsOnlyChartValuesSchema(rbac: string, kafka: boolean) {
  const np = chartValuesSchema.shape.networkPolicy.omit({ grpcFrom: true });
  return (kafka ? chartValuesSchema : chartValuesSchema.omit({ kafkaSecrets: true })).extend({
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
  if (!kafka) delete out.kafkaSecrets;
  return out;
}
