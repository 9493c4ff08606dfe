// The services that get a chart from helm-gen: each one's zod config schema (the values' `config`)
// and what its values.yaml sets. The config keys are the service's own YAML keys (LLMD_CONFIG):
// the chart renders `config` verbatim into the file, so there is no second vocabulary.
import type { z } from 'zod';
import { cacheManagerConfigSchema } from '../../apps/cache-manager/src/config';
import { gatewayConfigSchema } from '../../apps/gateway/src/config';
import { schedulerConfigSchema } from '../../apps/scheduler/src/config';
import { autoscalerConfigSchema } from '../../apps/autoscaler/src/config';
import { operatorConfigSchema } from '../../apps/operator/src/config';
import { VLLM_SIM_CHART } from './vllm-sim-chart';
import { chartDefaults, chartValuesSchema, gatewayChartValuesSchema, opsOnlyChartDefaults, opsOnlyChartValuesSchema, schedulerChartValuesSchema, type ChartValues } from './chart-values';

export interface ChartService {
  /** Chart directory under deploy/helm, and the image `llmd-<name>`. */
  name: string;
  description: string;
  configSchema: z.ZodType;
  /** Config keys whose zod default is computed per process (left out of the schema's defaults). */
  perProcessDefaults: string[];
  /**
   * values.yaml's `config`: only what a pod needs that the app's defaults do not give (listening on
   * 0.0.0.0, the ports the Service and probes use, the brokers). Everything else is the app's own
   * default, applied by the app: copying defaults here would be a second copy to drift.
   */
  config: Record<string, unknown>;
  /** The chart's own keys beside `config` (default: chartValuesSchema), and their values.yaml. */
  chartSchema: z.ZodObject;
  chart: Record<string, unknown>;
  /** Replicas of its ci/ha.yaml scenario; absent: the chart has no HA scenario. */
  haReplicas?: number;
  /** README's "What it renders" list; absent: the gRPC services' (scheduler, cache-manager). */
  renders?: string;
  /** What `config` is, when it is not an llmd service's YAML config (LLMD_CONFIG). */
  configDoc?: string;
}

const GATEWAY_PODS = { podSelector: { matchLabels: { 'app.kubernetes.io/name': 'llmd-gateway' } } };
const SCHEDULER_PODS = { podSelector: { matchLabels: { 'app.kubernetes.io/name': 'llmd-scheduler' } } };
/** A Strimzi Kafka cluster named `llmd` in the release namespace (its bootstrap Service). */
const BROKERS = ['llmd-kafka-bootstrap:9092'];
/** The model-server pods of the README's Deployment section (vLLM pods of a pool). */
const MODEL_SERVER_PODS = { podSelector: { matchLabels: { 'app.kubernetes.io/name': 'vllm', 'llm-d.ai/inferenceServing': 'true' } } };

function gatewayChart(): Record<string, unknown> {
  const { rbac: _rbac, networkPolicy, ...chart } = chartDefaults('gateway');
  return {
    ...chart,
    autoscaling: { enabled: false, minReplicas: 3, maxReplicas: 10, targetCPUUtilizationPercentage: 70 },
    authKeysSecret: { name: '', mountPath: '/etc/llmd/auth' },
    networkPolicy: {
      enabled: false,
      httpFrom: [],
      metricsNamespace: networkPolicy.metricsNamespace,
      scheduler: { to: [SCHEDULER_PODS] },
      modelServers: { ports: [8000], to: [MODEL_SERVER_PODS] },
      kafka: networkPolicy.kafka,
      extraEgress: [],
    },
  };
}

/** A chart without dashboards or alerts of its own (the operator's work shows in the pools it renders). */
function withoutMonitoring(chart: Record<string, unknown>): Record<string, unknown> {
  const { grafanaDashboard: _g, prometheusRule: _p, ...rest } = chart;
  return rest;
}

function withNetworkPolicy(service: string, grpcFrom: Record<string, unknown>[], overrides: Partial<ChartValues> = {}): ChartValues {
  const chart = chartDefaults(service, overrides);
  return { ...chart, networkPolicy: { ...chart.networkPolicy, grpcFrom } };
}

export const CHART_SERVICES: ChartService[] = [
  {
    name: 'gateway',
    description: "llmd's gateway: the OpenAI-compatible HTTP entry point; asks the scheduler for an endpoint per request and proxies to the model server.",
    configSchema: gatewayConfigSchema,
    perProcessDefaults: [],
    config: {
      http: { host: '0.0.0.0', port: 8000 },
      ops: { host: '0.0.0.0', port: 9100 },
      kafka: { brokers: BROKERS },
      // The scheduler chart's Service, released as `scheduler` in the same namespace.
      scheduler: { address: 'scheduler:9002' },
    },
    chartSchema: gatewayChartValuesSchema,
    chart: gatewayChart(),
    haReplicas: 3,
    renders: `- a **ConfigMap** with \`config\` as the gateway's YAML config file, mounted read-only at
  \`/etc/llmd/config/config.yaml\` (\`LLMD_CONFIG\`); the pods roll when it changes (checksum annotation);
- a **Deployment**: probes \`/healthz\` (startup, liveness) and \`/readyz\` (readiness) on the ops port
  (\`config.ops.port\`); non-root (65532), read-only root filesystem, no privilege escalation, all
  capabilities dropped, seccomp \`RuntimeDefault\`, an emptyDir at \`/tmp\`, no ServiceAccount token
  (the gateway reads nothing from the apiserver); \`terminationGracePeriodSeconds\` must exceed
  \`config.shutdown.graceMs\` (the chart refuses otherwise) so in-flight streams drain; with more than
  one replica (\`replicaCount\`, or the HPA's \`minReplicas\`), spread across zones (\`topologySpread\`);
- optionally the **Secret** \`authKeysSecret.name\` mounted at \`authKeysSecret.mountPath\` (tenant API keys,
  \`config.auth.keysFile\`; re-read every \`config.auth.keysFileReloadMs\`, so a rotation needs no restart);
- a **PodDisruptionBudget** with more than one replica;
- a **Service**: \`http\` (\`config.http.port\`) and \`ops\` (\`config.ops.port\`); put an Ingress, a
  Gateway API route or a LoadBalancer (\`service.type\`) in front of \`http\`;
- a **ServiceAccount** without RBAC;
- optionally a **HorizontalPodAutoscaler** (\`autoscaling\`, autoscaling/v2 on CPU), a **ServiceMonitor**
  (prometheus-operator) and a **NetworkPolicy**: ingress to the http port from \`networkPolicy.httpFrom\`
  (anywhere when empty), to the ops port from \`networkPolicy.metricsNamespace\`; egress to DNS, the
  scheduler (the port of \`config.scheduler.address\`), the model-server pods, and Kafka.`,
  },
  {
    name: 'scheduler',
    description: "llmd's scheduler: the endpoint picker llmd's gateway asks over gRPC (llmd.scheduler.v1.Scheduler), and Envoy-based Gateways over ext_proc (`config.extProc`).",
    configSchema: schedulerConfigSchema,
    perProcessDefaults: [],
    config: {
      grpc: { host: '0.0.0.0', port: 9002 },
      ops: { host: '0.0.0.0', port: 9102 },
      kafka: { brokers: BROKERS },
    },
    chartSchema: schedulerChartValuesSchema,
    chart: (() => {
      const chart = withNetworkPolicy('scheduler', [GATEWAY_PODS]);
      return { ...chart, networkPolicy: { ...chart.networkPolicy, extProcFrom: [] } };
    })(),
    haReplicas: 3,
  },
  {
    name: 'cache-manager',
    description: "llmd's cache-manager: the KV-block index of every pod, fed by vLLM's KV events, asked by the scheduler over gRPC (llmd.cache.v1.KvCache).",
    configSchema: cacheManagerConfigSchema,
    perProcessDefaults: ['groupId'],
    config: {
      grpc: { host: '0.0.0.0', port: 9003 },
      ops: { host: '0.0.0.0', port: 9103 },
      kafka: { brokers: BROKERS },
    },
    chartSchema: chartValuesSchema,
    chart: withNetworkPolicy('cache-manager', [SCHEDULER_PODS], {
      resources: { requests: { cpu: '500m', memory: '2Gi' }, limits: { memory: '2Gi' } },
    }),
    haReplicas: 3,
  },
  {
    name: 'autoscaler',
    description: "llmd's autoscaler: reads the pools' load from Kafka and scales ServingPools through their /scale subresource.",
    configSchema: autoscalerConfigSchema,
    perProcessDefaults: ['leaderElection.namespace', 'leaderElection.identity'],
    config: {
      ops: { host: '0.0.0.0', port: 9104 },
      kafka: { brokers: BROKERS },
      // The app's default is `none` (load gauges only); in a cluster it scales ServingPools.
      actuator: 'kubernetes',
    },
    chartSchema: opsOnlyChartValuesSchema('Create the RBAC: get, list, watch ServingPools and pods; get, update, patch servingpools/scale (a ClusterRole, or a Role in `config.kubernetes.namespace` when set); get, create, update Leases in the Lease\'s namespace.', true),
    chart: opsOnlyChartDefaults('autoscaler', true, { terminationGracePeriodSeconds: 25 }),
    haReplicas: 2,
    renders: `- a **ConfigMap** with \`config\` as the autoscaler's YAML config file, mounted read-only at
  \`/etc/llmd/config/config.yaml\` (\`LLMD_CONFIG\`); the pods roll when it changes (checksum annotation);
- a **Deployment**: probes \`/healthz\` (startup, liveness) and \`/readyz\` (readiness) on the ops port
  (\`config.ops.port\`); non-root (65532), read-only root filesystem, no privilege escalation, all
  capabilities dropped, seccomp \`RuntimeDefault\`, an emptyDir at \`/tmp\`; \`POD_NAMESPACE\` from the
  downward API (the Lease's default namespace); with \`replicaCount\` > 1, spread across zones
  (\`topologySpread\`): the replicas elect a leader on a Lease (\`config.leaderElection\`), and only it
  writes, the others decide in shadow;
- a **PodDisruptionBudget** when \`replicaCount\` > 1;
- a **Service**: \`ops\` (\`config.ops.port\`: \`/metrics\`, and \`/debug/decisions\` when \`config.ops.debug.enabled\`); the autoscaler serves no API;
- a **ServiceAccount**; with \`config.actuator: kubernetes\` (the chart's default) a **ClusterRole** (or,
  with \`config.kubernetes.namespace\`, a **Role** in it) granting \`get\`, \`list\`, \`watch\` on
  ServingPools and pods and \`get\`, \`update\`, \`patch\` on \`servingpools/scale\`, and nothing on the
  ServingPools themselves beyond reading; with leader election, a **Role** granting \`get\`, \`create\`,
  \`update\` on Leases in the Lease's namespace (\`config.leaderElection.namespace\`, else the release's);
- optionally a **ServiceMonitor** (prometheus-operator) and a **NetworkPolicy**: ingress to the ops port
  from \`networkPolicy.metricsNamespace\` only; egress to DNS, Kafka and the kube-apiserver.`,
  },
  {
    name: 'operator',
    description: "llmd's operator: reconciles LLMDeployments, ServingPools, InferenceGateways, SchedulingPolicies and CachePolicies into the Deployments, Services, ConfigMaps and InferencePools that serve them.",
    configSchema: operatorConfigSchema,
    perProcessDefaults: ['leaderElection.namespace', 'leaderElection.identity'],
    config: {
      ops: { host: '0.0.0.0', port: 9105 },
      // Written into the configs of the schedulers and cache-managers it deploys; it does not use Kafka itself.
      kafka: { brokers: BROKERS },
    },
    chartSchema: opsOnlyChartValuesSchema(
      'Create the RBAC: what the reconcilers read and write (the llm-d.io kinds and their status, Deployments, Services, ConfigMaps, InferencePools, the schedulers\' ServiceAccounts, Roles and RoleBindings; pods read-only), as a ClusterRole, or a Role in each of `config.watchNamespaces` when set; get, create, update Leases in the Lease\'s namespace.',
      false,
    ).omit({ grafanaDashboard: true, prometheusRule: true }),
    chart: withoutMonitoring(opsOnlyChartDefaults('operator', false, { terminationGracePeriodSeconds: 15, resources: { requests: { cpu: '100m', memory: '256Mi' }, limits: { memory: '512Mi' } } })),
    haReplicas: 2,
    renders: `- a **ConfigMap** with \`config\` as the operator's YAML config file, mounted read-only at
  \`/etc/llmd/config/config.yaml\` (\`LLMD_CONFIG\`); the pods roll when it changes (checksum annotation);
- a **Deployment**: probes \`/healthz\` (startup, liveness) and \`/readyz\` (readiness) on the ops port
  (\`config.ops.port\`); non-root (65532), read-only root filesystem, no privilege escalation, all
  capabilities dropped, seccomp \`RuntimeDefault\`, an emptyDir at \`/tmp\`; \`POD_NAMESPACE\` from the
  downward API (the Lease's default namespace); in-cluster credentials of its ServiceAccount (no
  \`config.kubeconfig\`); with \`replicaCount\` > 1, spread across zones (\`topologySpread\`): the replicas
  elect a leader on a Lease (\`config.leaderElection\`), only it reconciles, the others are ready standbys;
- a **PodDisruptionBudget** when \`replicaCount\` > 1;
- a **Service**: \`ops\` (\`config.ops.port\`: \`/metrics\`); the operator serves no API;
- a **ServiceAccount**, and a **ClusterRole** (or, with \`config.watchNamespaces\`, a **Role** in each of
  them) granting what its reconcilers write: \`get\`, \`list\`, \`watch\`, \`patch\`, \`update\` on the five
  llm-d.io kinds (finalizers) and their \`status\`; \`create\` and \`delete\` on ServingPools, Deployments,
  Services, ConfigMaps and InferencePools (server-side apply, pruning); \`get\`, \`create\`, \`patch\`,
  \`update\`, \`delete\` on ServiceAccounts, Roles and RoleBindings (each InferenceGateway's scheduler gets
  its own); \`get\`, \`patch\`, \`update\` on \`servingpools/scale\`; \`get\`, \`list\`, \`watch\` on pods and
  nothing more on them (a Role may grant only what its writer holds, and the schedulers read pods);
  with leader election, a **Role** granting \`get\`, \`create\`, \`update\` on Leases in the Lease's
  namespace;
- optionally a **ServiceMonitor** (prometheus-operator) and a **NetworkPolicy**: ingress to the ops port
  from \`networkPolicy.metricsNamespace\` only; egress to DNS and the kube-apiserver.

Install the CRDs first (\`deploy/helm/llmd-crds\`); the Gateway API Inference Extension's InferencePool
CRD is optional (the operator renders InferencePools once it is installed, and says
\`InferencePoolCRDMissing\` on each LLMDeployment until then).`,
  },
  VLLM_SIM_CHART,
];
