// InferenceGateway -> the gateway, scheduler and cache-manager: a ConfigMap with each one's YAML
// config, a Deployment (its pod template annotated with the config's checksum, so a policy change
// rolls it), a Service; and the ServiceAccount, Role and RoleBinding that let the scheduler and
// cache-manager watch the model-server pods.
import { createHash } from 'node:crypto';
import { stringify } from 'yaml';
import { CONFIG_CHECKSUM_ANNOTATION, nameProblem, ownerRef, standardLabels } from './meta';
import { cacheManagerName, CACHE_MANAGER_GRPC_PORT, CACHE_MANAGER_OPS_PORT, gatewayName, GATEWAY_OPS_PORT, schedulerServiceName, SCHEDULER_EXT_PROC_PORT, SCHEDULER_GRPC_PORT, SCHEDULER_OPS_PORT } from './names';
import { AUTH_MOUNT, cacheManagerConfig, GRPC_TLS_MOUNT, gatewayConfig, gatewayGaps, schedulerConfig, type GatewayInputs } from './service-configs';
import type { Obj, Problem, RenderContext } from './types';

type Json = Obj[string];

export const CONFIG_MOUNT = '/etc/llmd/config';
export const CONFIG_FILE = 'config.yaml';

interface Component {
  component: 'gateway' | 'scheduler' | 'cache-manager';
  name: string;
  image: string;
  replicas: number;
  config: Record<string, unknown>;
  port: { name: string; port: number };
  /** More gRPC ports beside `port` (the scheduler's ext_proc). */
  extraPorts?: { name: string; port: number }[];
  opsPort: number;
  resources?: { memory?: string; cpu?: string };
  watchesPods: boolean;
  authSecret?: string;
}

export function configChecksum(data: Record<string, string>): string {
  const h = createHash('sha256');
  for (const k of Object.keys(data).sort()) h.update(`${k}\0${data[k]}\0`);
  return h.digest('hex');
}

function labelsOf(gateway: string, c: Component['component']): Record<string, string> {
  return standardLabels({ name: `llmd-${c}`, instance: gateway, component: c });
}

function selectorOf(gateway: string, c: Component['component']): Record<string, string> {
  return { 'app.kubernetes.io/instance': gateway, 'app.kubernetes.io/component': c };
}

function serviceAccountName(gateway: string): string {
  return `${gateway}-llmd`;
}

function resources(r: Component['resources']): Json {
  const requests: Record<string, string> = { cpu: r?.cpu ?? '100m', memory: r?.memory ?? '256Mi' };
  const limits: Record<string, string> = { memory: r?.memory ?? '1Gi' };
  return { requests, limits };
}

function render(ctx: RenderContext, inputs: GatewayInputs, c: Component): Obj[] {
  const g = inputs.gateway;
  const meta = (name: string, labels = labelsOf(g.metadata.name, c.component)) => ({ name, namespace: ctx.namespace, labels, ownerReferences: [ownerRef(g)] });
  const data = { [CONFIG_FILE]: stringify(c.config, { lineWidth: 0 }) };
  const configMap: Obj = { apiVersion: 'v1', kind: 'ConfigMap', metadata: meta(`${c.name}-config`), data };
  const volumes: Json[] = [
    { name: 'config', configMap: { name: `${c.name}-config` } },
    { name: 'tmp', emptyDir: {} },
  ];
  const mounts: Json[] = [
    { name: 'config', mountPath: CONFIG_MOUNT, readOnly: true },
    { name: 'tmp', mountPath: '/tmp' },
  ];
  // The files of config.kafka.tls / sasl (every service talks to Kafka).
  (ctx.kafka?.secrets ?? []).forEach((secret, i) => {
    volumes.push({ name: `kafka-secret-${i}`, secret: { secretName: secret.name } });
    mounts.push({ name: `kafka-secret-${i}`, mountPath: secret.mountPath, readOnly: true });
  });
  // The gRPC TLS Secret: the scheduler and cache-manager serve with it, the gateway and the scheduler call with it.
  if (ctx.grpcTls) {
    volumes.push({ name: 'grpc-tls', secret: { secretName: ctx.grpcTls.secretName } });
    mounts.push({ name: 'grpc-tls', mountPath: GRPC_TLS_MOUNT, readOnly: true });
  }
  if (c.authSecret) {
    volumes.push({ name: 'auth', secret: { secretName: c.authSecret } });
    mounts.push({ name: 'auth', mountPath: AUTH_MOUNT, readOnly: true });
  }
  const probe = (path: string) => ({ httpGet: { path, port: 'ops' }, periodSeconds: 10, timeoutSeconds: 2, failureThreshold: 3 });
  const deployment: Obj = {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: meta(c.name),
    spec: {
      replicas: c.replicas,
      selector: { matchLabels: selectorOf(g.metadata.name, c.component) },
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } },
      template: {
        metadata: { labels: labelsOf(g.metadata.name, c.component), annotations: { [CONFIG_CHECKSUM_ANNOTATION]: configChecksum(data) } },
        spec: {
          ...(c.watchesPods ? { serviceAccountName: serviceAccountName(g.metadata.name) } : { automountServiceAccountToken: false }),
          securityContext: { runAsNonRoot: true, runAsUser: 65532, runAsGroup: 65532, fsGroup: 65532, seccompProfile: { type: 'RuntimeDefault' } },
          containers: [
            {
              name: c.component,
              image: c.image,
              env: [{ name: 'LLMD_CONFIG', value: `${CONFIG_MOUNT}/${CONFIG_FILE}` }],
              ports: [
                { name: c.port.name, containerPort: c.port.port, protocol: 'TCP' },
                ...(c.extraPorts ?? []).map((p) => ({ name: p.name, containerPort: p.port, protocol: 'TCP' })),
                { name: 'ops', containerPort: c.opsPort, protocol: 'TCP' },
              ],
              resources: resources(c.resources),
              volumeMounts: mounts,
              startupProbe: { httpGet: { path: '/healthz', port: 'ops' }, periodSeconds: 2, timeoutSeconds: 2, failureThreshold: 60 },
              livenessProbe: probe('/healthz'),
              readinessProbe: { ...probe('/readyz'), periodSeconds: 5 },
              securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } },
            },
          ],
          volumes,
          terminationGracePeriodSeconds: 45,
        },
      },
    },
  };
  const service: Obj = {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: meta(c.name),
    spec: {
      type: 'ClusterIP',
      selector: selectorOf(g.metadata.name, c.component),
      ports: [
        { name: c.port.name, port: c.port.port, targetPort: c.port.name, protocol: 'TCP', ...(c.port.name === 'grpc' ? { appProtocol: 'grpc' } : {}) },
        ...(c.extraPorts ?? []).map((p) => ({ name: p.name, port: p.port, targetPort: p.name, protocol: 'TCP', appProtocol: 'grpc' })),
        { name: 'metrics', port: c.opsPort, targetPort: 'ops', protocol: 'TCP' },
      ],
    },
  };
  return [configMap, deployment, service];
}

function podReader(ctx: RenderContext, inputs: GatewayInputs): Obj[] {
  const g = inputs.gateway;
  const name = serviceAccountName(g.metadata.name);
  const metadata = { name, namespace: ctx.namespace, labels: standardLabels({ name: 'llmd', instance: g.metadata.name, component: 'pod-discovery' }), ownerReferences: [ownerRef(g)] };
  return [
    { apiVersion: 'v1', kind: 'ServiceAccount', metadata },
    { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', metadata, rules: [{ apiGroups: [''], resources: ['pods'], verbs: ['get', 'list', 'watch'] }] },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'RoleBinding',
      metadata,
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name },
      subjects: [{ kind: 'ServiceAccount', name, namespace: ctx.namespace }],
    },
  ];
}

/** Missing referenced policies, as blocking problems. */
function missingPolicies(inputs: GatewayInputs): Problem[] {
  const out: Problem[] = [];
  const g = inputs.gateway;
  const ref = g.spec.schedulingPolicyRef?.name;
  if (ref && inputs.schedulingPolicy?.metadata.name !== ref) out.push({ reason: 'PolicyNotFound', message: `SchedulingPolicy ${ref} (spec.schedulingPolicyRef) not found`, blocking: true });
  return out;
}

export function desiredInferenceGateway(ctx: RenderContext, inputs: GatewayInputs): { objects: Obj[]; problems: Problem[] } {
  const badName = nameProblem(inputs.gateway.metadata.name, '-cache-manager');
  if (badName) return { objects: [], problems: [{ reason: 'InvalidSpec', message: badName, blocking: true }] };
  const missing = missingPolicies(inputs);
  if (missing.length > 0) return { objects: [], problems: missing };
  const g = inputs.gateway;
  const name = g.metadata.name;
  const components: Component[] = [
    {
      component: 'gateway',
      name: gatewayName(name),
      image: ctx.images.gateway,
      replicas: g.spec.gateway.replicas,
      config: gatewayConfig(ctx, g),
      port: { name: 'http', port: g.spec.gateway.port },
      opsPort: GATEWAY_OPS_PORT,
      resources: g.spec.gateway.resources,
      watchesPods: false,
      authSecret: g.spec.authSecretRef?.name,
    },
    {
      component: 'scheduler',
      name: schedulerServiceName(name),
      image: ctx.images.scheduler,
      replicas: g.spec.scheduler.replicas,
      config: schedulerConfig(ctx, inputs),
      port: { name: 'grpc', port: SCHEDULER_GRPC_PORT },
      extraPorts: [{ name: 'ext-proc', port: SCHEDULER_EXT_PROC_PORT }],
      opsPort: SCHEDULER_OPS_PORT,
      resources: g.spec.scheduler.resources,
      watchesPods: true,
    },
    {
      component: 'cache-manager',
      name: cacheManagerName(name),
      image: ctx.images.cacheManager,
      // Every replica holds the full index; one is enough until the ingest group is sized for more.
      replicas: 1,
      config: cacheManagerConfig(ctx, inputs),
      port: { name: 'grpc', port: CACHE_MANAGER_GRPC_PORT },
      opsPort: CACHE_MANAGER_OPS_PORT,
      resources: { memory: '2Gi', cpu: '500m' },
      watchesPods: true,
    },
  ];
  return { objects: [...podReader(ctx, inputs), ...components.flatMap((c) => render(ctx, inputs, c))], problems: gatewayGaps(ctx, inputs) };
}
