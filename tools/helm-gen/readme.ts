// A service chart's README: what it renders, and one row per value (the chart's keys, then `config`).
import { SERVICE_ALERTS, SERVICE_DASHBOARDS } from './chart-values';
import type { JsonSchema } from './values-schema';
import type { ChartService } from './services';

interface Row {
  key: string;
  type: string;
  fallback: unknown;
  description: string;
}

function typeOf(s: JsonSchema): string {
  if (Array.isArray(s.enum)) return (s.enum as unknown[]).map((v) => JSON.stringify(v)).join(' \\| ');
  if (s.anyOf) return (s.anyOf as JsonSchema[]).map(typeOf).join(' or ');
  if (s.type === 'array') return `${typeOf((s.items ?? {}) as JsonSchema)}[]`;
  if (s.type === 'object' && !s.properties) return 'map';
  return typeof s.type === 'string' ? s.type : 'any';
}

function get(values: unknown, key: string): unknown {
  return key.split('.').reduce<unknown>((v, k) => (v && typeof v === 'object' ? (v as Record<string, unknown>)[k] : undefined), values);
}

function rows(schema: JsonSchema, values: unknown, prefix: string, out: Row[]): Row[] {
  for (const [name, sub] of Object.entries((schema.properties ?? {}) as Record<string, JsonSchema>)) {
    const key = prefix ? `${prefix}.${name}` : name;
    if (key === 'global') continue;
    if (sub.type === 'object' && sub.properties) {
      rows(sub, values, key, out);
      continue;
    }
    const set = get(values, key);
    out.push({ key, type: typeOf(sub), fallback: set !== undefined ? set : sub.default, description: String(sub.description ?? '') });
  }
  return out;
}

function cell(v: unknown): string {
  if (v === undefined) return '';
  return `\`${JSON.stringify(v).replace(/\|/g, '\\|')}\``;
}

function table(list: Row[], heading: string): string {
  return [`| key | type | ${heading} | what |`, '|---|---|---|---|', ...list.map((r) => `| \`${r.key}\` | ${r.type} | ${cell(r.fallback)} | ${r.description.replace(/\|/g, '\\|')} |`)].join('\n');
}

/** What a gRPC service's chart (scheduler, cache-manager) renders. */
function grpcServiceRenders(name: string): string {
  return `- a **ConfigMap** with \`config\` as the service's YAML config file, mounted read-only at
  \`/etc/llmd/config/config.yaml\` (\`LLMD_CONFIG\`); the pods roll when it changes (checksum annotation);
- a **Deployment**: probes \`/healthz\` (startup, liveness) and \`/readyz\` (readiness) on the ops port
  (\`config.ops.port\`); non-root (65532), read-only root filesystem, no privilege escalation, all
  capabilities dropped, seccomp \`RuntimeDefault\`, an emptyDir at \`/tmp\`; with \`replicaCount\` > 1,
  spread across zones (\`topologySpread\`);
- a **PodDisruptionBudget** when \`replicaCount\` > 1;
- a **Service**: \`grpc\` (\`config.grpc.port\`) and \`ops\` (\`config.ops.port\`). No headless Service: the
  replicas never talk to each other (see docs/architecture.md, "Multi-replica behaviour");
- a **ServiceAccount**, and a **Role** and **RoleBinding** granting only \`get\`, \`list\` and \`watch\` on
  pods in the release namespace (pod discovery, \`config.kubernetes\`; its \`namespace\` must be the
  release's);
- optionally a **ServiceMonitor** (prometheus-operator) and a **NetworkPolicy**: ingress to the gRPC
  port from \`networkPolicy.grpcFrom\`, to the ops port from \`networkPolicy.metricsNamespace\`; egress to
  DNS, Kafka, the kube-apiserver, the model-server pods \`config.kubernetes\` selects (their ports from
  \`config\`)${name === 'scheduler' ? ', and cache-manager (the port of `config.cacheManager.address`)' : ''}.`;
}

/** The chart's dashboards and alerts (the templates grafana-dashboards.yaml and prometheusrule.yaml); empty for a chart without. */
function monitoringSection(name: string): string {
  const dashboards = SERVICE_DASHBOARDS[name] ?? [];
  const alerts = Object.entries(SERVICE_ALERTS[name] ?? {});
  if (!dashboards.length && !alerts.length) return '';
  const slo = name === 'gateway'
    ? `

The TTFT alerts measure the error budget of \`prometheusRule.ttftSlo\`: \`objective\` of streamed requests
get their first token within \`targetSeconds\` (a bucket bound of \`llmd_gateway_ttft_seconds\`, so the
share is exact). They use multi-window burn rates: the fast one pages when both the last hour and the
last 5 minutes burn the budget faster than its threshold (14.4: a 30-day budget gone in about two days),
the slow one when both the last 6 hours and the last 30 minutes do (6: gone in five days); the short
window makes an alert stop soon after the problem does.`
    : '';
  return `## Dashboards and alerts

With \`grafanaDashboard.enabled\`, a **ConfigMap** \`<fullname>-dashboards\` holds the chart's Grafana
dashboards, the JSON files of the chart's \`dashboards/\` folder (import them by hand just as well):

${dashboards.map((d) => `- \`${d.name}\` (uid \`${d.name}\`): ${d.shows}.`).join('\n')}

It carries \`grafanaDashboard.labels\` (default \`grafana_dashboard: "1"\`, what the Grafana dashboard
sidecar of kube-prometheus-stack looks for) and \`grafanaDashboard.annotations\` (default
\`grafana_folder: llmd\`, the folder where the sidecar's \`folderAnnotation\` is \`grafana_folder\`). Each
dashboard picks its Prometheus with a \`datasource\` variable (no data source uid is hard-coded) and
filters by \`namespace\` and \`pod\`, the labels a ServiceMonitor's scrape adds.

With \`prometheusRule.enabled\`, a **PrometheusRule** (prometheus-operator; give it the labels your
Prometheus' \`ruleSelector\` matches with \`prometheusRule.labels\`) with the alerts below. Each selects
this release's series by \`namespace\` and \`job\` (the Service's name, the job the chart's ServiceMonitor
gives them), carries a \`severity\` label and the annotations \`summary\`, \`description\` and \`runbook\`
(what it means, how to confirm it, what to do). Tune or turn off each one under
\`prometheusRule.alerts.<name>\` (\`enabled\`, \`severity\`, \`for\`, \`threshold\`); a name the chart does
not have is refused.

| alert | fires on | severity | for | threshold |
|---|---|---|---|---|
${alerts.map(([alert, a]) => `| \`${alert}\` | ${a.doc} | ${a.severity} | ${a.for} | ${a.threshold} |`).join('\n')}${slo}

`;
}

export function chartReadme(service: ChartService, schema: JsonSchema, version: string): string {
  const values = { ...service.chart, config: service.config };
  const all = rows(schema, values, '', []);
  const chartRows = all.filter((r) => !r.key.startsWith('config.'));
  const configRows = all.filter((r) => r.key.startsWith('config.'));
  const kafka = 'kafkaSecrets' in service.chart ? `## Kafka

The chart does not install Kafka. Most clusters run it with the Strimzi operator; the default
\`config.kafka.brokers\` is the bootstrap Service of a Strimzi \`Kafka\` named \`llmd\` in the release
namespace. For TLS and SASL, set \`config.kafka.tls\` and \`config.kafka.sasl\` with their files under
the Secrets \`kafkaSecrets\` mounts (a Strimzi cluster CA Secret, a \`KafkaUser\`'s Secret); the project
README's "Kafka: TLS and SASL" has the Strimzi example.

` : '';
  const tls = 'tlsSecrets' in service.chart ? `## TLS

Plaintext by default. For TLS, or mutual TLS, on the service's own port and channels, mount the
certificate Secrets with \`tlsSecrets\` (cert-manager's \`Certificate\` Secrets: \`tls.crt\`, \`tls.key\`,
\`ca.crt\`) and point the config's \`tls\` keys at the files: \`ci/mtls.yaml\` is an example. The
files are re-read every \`reloadMs\`: a renewed certificate serves new connections without a restart.
The project README's "Transport security" has the whole setup.

` : '';
  return `<!-- Generated by \`npm run helm:gen\` (tools/helm-gen). Do not edit: change the generator or the service's config schema. -->
# llmd ${service.name} chart

${service.description}

One release per service: \`helm install ${service.name} deploy/helm/${service.name} -n <namespace> -f my-values.yaml\`.
The image is \`llmd-${service.name}:${version}\` (the chart's appVersion); build it from the repo and
set \`image.registry\`.

## What it renders

${service.renders ?? grpcServiceRenders(service.name)}

${kafka}${tls}${monitoringSection(service.name)}## Values

Chart keys:

${table(chartRows, 'default')}

${service.configDoc ? `\`config\`: ${service.configDoc}` : `\`config\`: the service's own YAML config, its keys as in the project README's Configuration section
(\`apps/${service.name}/src/config.ts\`). Keys not set in values.yaml take the service's defaults.`}

${table(configRows, 'values.yaml, else the service\'s default')}
`;
}
