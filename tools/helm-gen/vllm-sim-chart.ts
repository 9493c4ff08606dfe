// The vllm-sim chart: a pool of simulated vLLM pods. Its `config` is vLLM's own config file (`serve
// --config`, the flags' names as keys), so a values file reads like a vLLM deployment's; its chart keys
// are the common ones less RBAC (the pods read nothing from the apiserver) and Kafka's Secrets (a
// model server publishes KV events over ZMQ, not to Kafka), and without dashboards or alerts (the
// scheduler chart's pools dashboard reads vLLM's metrics, which vllm-sim exports too), plus the pool's role label
// and a NetworkPolicy shaped by who talks to a model server.
import { z } from 'zod';
import { simConfigFileSchema } from '../../apps/vllm-sim/src/sim-config-file';
import { chartDefaults, chartValuesSchema } from './chart-values';
import type { ChartService } from './services';

const list = (what: string) => z.array(z.record(z.string(), z.unknown())).describe(what);
const pods = (name: string) => ({ podSelector: { matchLabels: { 'app.kubernetes.io/name': `llmd-${name}` } } });

export const vllmSimChartValuesSchema = chartValuesSchema.omit({ rbac: true, networkPolicy: true, kafkaSecrets: true, tlsSecrets: true, grafanaDashboard: true, prometheusRule: true }).extend({
  role: z.enum(['', 'prefill', 'decode']).describe("The pool's role in prefill/decode disaggregation, as the pods' `llm-d.ai/role` label (the scheduler's `config.kubernetes.roleLabel`); empty: a unified pool, no label."),
  service: z.object({ type: z.enum(['ClusterIP', 'NodePort', 'LoadBalancer']).describe('Service type.') }).describe("The Service (the OpenAI API on `config.port`, for trying a pod directly; llmd's gateway reaches pods by IP)."),
  networkPolicy: z
    .object({
      enabled: z.boolean().describe("Render a NetworkPolicy allowing only the architecture's arrows."),
      httpFrom: list("Peers allowed to the API port: llmd's gateway (proxied requests) and scheduler (it scrapes `/metrics`), and the other pools' pods (decode pods pull KV blocks from prefill pods)."),
      kvEventsFrom: list('Peers allowed to the KV-events port (`kv-events-config.endpoint`): the cache-manager.'),
      metricsNamespace: z.string().describe('Namespace also allowed to the API port for `/metrics` (Prometheus); empty allows none.'),
      kvPullTo: list('Egress peers on the API port: the prefill pods decode pods pull KV blocks from; empty allows no such egress.'),
      extraEgress: list('More egress rules (NetworkPolicyEgressRule).'),
    })
    .describe('NetworkPolicy (DNS egress is always allowed).'),
});

function chart(): Record<string, unknown> {
  const { rbac: _rbac, networkPolicy, kafkaSecrets: _kafkaSecrets, tlsSecrets: _tlsSecrets, grafanaDashboard: _dashboards, prometheusRule: _rules, ...common } = chartDefaults('vllm-sim', {
    replicaCount: 2,
    resources: { requests: { cpu: '250m', memory: '512Mi' }, limits: { memory: '2Gi' } },
    terminationGracePeriodSeconds: 30,
  });
  const modelServers = { podSelector: { matchLabels: { 'llm-d.ai/inferenceServing': 'true' } } };
  return {
    ...common,
    role: '',
    networkPolicy: {
      enabled: false,
      httpFrom: [pods('gateway'), pods('scheduler'), modelServers],
      kvEventsFrom: [pods('cache-manager')],
      metricsNamespace: networkPolicy.metricsNamespace,
      kvPullTo: [modelServers],
      extraEgress: [],
    },
  };
}

export const VLLM_SIM_CHART: ChartService = {
  name: 'vllm-sim',
  description: "llmd's vLLM simulator: a pool of pods that speak vLLM's OpenAI API, metrics, KV events and NIXL P/D handshake, timed from measured H100 cost tables, for trying llmd without GPUs.",
  // The chart always names the model in the file (the pods run `serve --config`, no positional model).
  configSchema: simConfigFileSchema.extend({ model: z.string().min(1).describe('The model: a Hugging Face id (its tokenizer family is built in) or a path.') }),
  configDoc: "vLLM's config file (`vllm serve --config`): its keys are vLLM's flag names without `--`, the JSON configs as YAML objects; the simulator's own flags (`time-scale`, `gpu-profile`, ...) are marked. Mounted at `/etc/vllm-sim/config.yaml`; the pods run `serve --config` on it.",
  perProcessDefaults: [],
  config: {
    model: 'meta-llama/Llama-3.1-8B-Instruct',
    host: '0.0.0.0',
    port: 8000,
    // What llmd's cache-manager subscribes to (config.kubernetes.kvEventsPort: 5557).
    'kv-events-config': { enable_kv_cache_events: true, publisher: 'zmq', endpoint: 'tcp://*:5557' },
  },
  chartSchema: vllmSimChartValuesSchema,
  chart: chart(),
  renders: `- a **ConfigMap** with \`config\` as vLLM's config file, mounted read-only at
  \`/etc/vllm-sim/config.yaml\`; the pods roll when it changes (checksum annotation);
- a **Deployment** of \`replicaCount\` pods running \`serve --config /etc/vllm-sim/config.yaml\`, labelled
  \`app.kubernetes.io/name: llmd-vllm-sim\` and \`llm-d.ai/inferenceServing: "true"\` (and \`llm-d.ai/role\`
  when \`role\` is set), which is what llmd's scheduler and cache-manager select; ports \`http\`
  (\`config.port\`) and, with KV events on, \`kv-events\` (the port of \`kv-events-config.endpoint\`); vLLM's
  probes: \`/health\` (startup, liveness) and \`/v1/models\` (readiness), as llm-d's guides probe vLLM;
  \`POD_IP\` and, with \`kv-transfer-config\`, \`VLLM_NIXL_SIDE_CHANNEL_HOST\` from the pod IP (where a
  prefill pod tells decode pods to pull its KV blocks); non-root (65532), read-only root filesystem, no
  privilege escalation, all capabilities dropped, seccomp \`RuntimeDefault\`, an emptyDir at \`/tmp\`, no
  ServiceAccount token; with \`replicaCount\` > 1, spread across zones (\`topologySpread\`);
- a **PodDisruptionBudget** when \`replicaCount\` > 1;
- a **Service**: \`http\` (and \`kv-events\`); a **ServiceAccount** without RBAC;
- optionally a **ServiceMonitor** (vLLM's \`/metrics\` on the http port) and a **NetworkPolicy**: ingress to
  the http port from \`networkPolicy.httpFrom\` and \`networkPolicy.metricsNamespace\`, to the KV-events
  port from \`networkPolicy.kvEventsFrom\`; egress to DNS and, on the http port, \`networkPolicy.kvPullTo\`.

For a prefill/decode pool, install the chart twice (\`role: prefill\` and \`role: decode\`, both with
\`kv-transfer-config: {kv_connector: NixlConnector, kv_role: kv_both}\`) and point the scheduler's
\`config.kubernetes.selector\` at both (e.g. \`llm-d.ai/inferenceServing: "true"\`).`,
};
