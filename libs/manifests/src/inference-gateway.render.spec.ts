import { parse as parseYaml } from 'yaml';
import { CONFIG_CHECKSUM_ANNOTATION } from './meta';
import { desiredInferenceGateway } from './inference-gateway.render';
import { CTX, cachePolicy, inferenceGateway, llmDeployment, schedulingPolicy } from './testing/fixtures';
import type { Obj } from './types';

const dep = (name: string, spec: Record<string, unknown> = {}) => llmDeployment({ metadata: { name }, spec: { model: { name: `org/${name}` }, ...spec } });
const gw = (spec: Record<string, unknown> = {}) => inferenceGateway({ metadata: { name: 'gw' }, spec: { deployments: [{ name: 'a' }], ...spec } });

function find(objects: Obj[], kind: string, name: string): Obj & Record<string, never> {
  const o = objects.find((x) => x.kind === kind && x.metadata.name === name);
  if (!o) throw new Error(`${kind} ${name} not rendered`);
  return o as Obj & Record<string, never>;
}

function config(objects: Obj[], name: string): Record<string, unknown> {
  return parseYaml((find(objects, 'ConfigMap', `${name}-config`) as unknown as { data: Record<string, string> }).data['config.yaml']);
}

function checksum(objects: Obj[], name: string): string {
  return (find(objects, 'Deployment', name) as unknown as { spec: { template: { metadata: { annotations: Record<string, string> } } } }).spec.template.metadata.annotations[CONFIG_CHECKSUM_ANNOTATION];
}

describe('desiredInferenceGateway', () => {
  it('renders RBAC, then a ConfigMap, Deployment and Service per service', () => {
    const { objects } = desiredInferenceGateway(CTX, { gateway: gw(), deployments: [dep('a')] });
    expect(objects.map((o) => `${o.kind}/${o.metadata.name}`)).toEqual([
      'ServiceAccount/gw-llmd', 'Role/gw-llmd', 'RoleBinding/gw-llmd',
      'ConfigMap/gw-gateway-config', 'Deployment/gw-gateway', 'Service/gw-gateway',
      'ConfigMap/gw-scheduler-config', 'Deployment/gw-scheduler', 'Service/gw-scheduler',
      'ConfigMap/gw-cache-manager-config', 'Deployment/gw-cache-manager', 'Service/gw-cache-manager',
    ]);
  });

  it('a policy change changes only the scheduler config checksum (its pods roll, the others stay)', () => {
    const render = (strategy: string) =>
      desiredInferenceGateway(CTX, { gateway: gw({ schedulingPolicyRef: { name: 'p' } }), deployments: [dep('a')], schedulingPolicy: schedulingPolicy({ metadata: { name: 'p' }, spec: { strategy } }) }).objects;
    const a = render('cache-affinity');
    const b = render('load-balanced');
    expect(checksum(a, 'gw-scheduler')).not.toBe(checksum(b, 'gw-scheduler'));
    expect(checksum(a, 'gw-gateway')).toBe(checksum(b, 'gw-gateway'));
    expect(checksum(a, 'gw-cache-manager')).toBe(checksum(b, 'gw-cache-manager'));
  });

  it('a CachePolicy change rolls the cache-manager', () => {
    const render = (blockSize: number) => desiredInferenceGateway(CTX, { gateway: gw(), deployments: [dep('a')], cachePolicy: cachePolicy({ metadata: { name: 'c' }, spec: { blockSize } }) }).objects;
    expect(checksum(render(16), 'gw-cache-manager')).not.toBe(checksum(render(64), 'gw-cache-manager'));
  });

  it('the auth Secret is mounted and is the gateway keysFile', () => {
    const { objects } = desiredInferenceGateway(CTX, { gateway: gw({ authSecretRef: { name: 'keys' } }), deployments: [dep('a')] });
    expect(config(objects, 'gw-gateway').auth).toEqual({ enabled: true, keysFile: '/etc/llmd/auth/keys.yaml' });
    const pod = (find(objects, 'Deployment', 'gw-gateway') as unknown as { spec: { template: { spec: { volumes: unknown[] } } } }).spec.template.spec;
    expect(pod.volumes).toContainEqual({ name: 'auth', secret: { secretName: 'keys' } });
  });

  it.each([
    ['one deployment: its pods', [dep('a')], { 'llm-d.io/deployment': 'a', 'app.kubernetes.io/component': 'model-server' }, [8000], 1],
    ['data parallel 2: two target ports and two ranks', [dep('a', { serving: { parallelism: { tensor: 1, data: 2 } } })], { 'llm-d.io/deployment': 'a', 'app.kubernetes.io/component': 'model-server' }, [8000, 8001], 2],
  ])('discovery, %s', (_, deployments, selector, targetPorts, ranks) => {
    const { objects } = desiredInferenceGateway(CTX, { gateway: gw(), deployments });
    expect(config(objects, 'gw-scheduler').kubernetes).toEqual({ namespace: 'llm', selector, targetPorts, models: ['org/a'], roleLabel: 'llm-d.ai/role' });
    expect(config(objects, 'gw-cache-manager').kubernetes).toEqual({ namespace: 'llm', selector, dataParallelRanks: ranks, kvEventsPort: 5557, models: ['org/a'] });
  });

  it.each([
    ['several deployments', { deployments: [{ name: 'a' }, { name: 'b' }] }, [dep('a'), dep('b')], ['SharedPodSelector']],
    ['a listed deployment missing', { deployments: [{ name: 'a' }, { name: 'b' }] }, [dep('a')], ['DeploymentNotFound', 'SharedPodSelector']],
    ['FailClose', { failureMode: 'FailClose' }, [dep('a')], ['FailCloseUnsupported']],
    ['mixed data parallelism', { deployments: [{ name: 'a' }, { name: 'b' }] }, [dep('a'), dep('b', { serving: { parallelism: { tensor: 1, data: 2 } } })], ['SharedPodSelector', 'MixedDataParallelism']],
  ])('gaps are reported, not hidden: %s', (_, spec, deployments, reasons) => {
    expect(desiredInferenceGateway(CTX, { gateway: gw(spec), deployments }).problems.map((p) => p.reason)).toEqual(reasons);
  });

  it('without Kafka: telemetry off, and a problem for the cache-manager', () => {
    const out = desiredInferenceGateway({ ...CTX, kafka: undefined }, { gateway: gw(), deployments: [dep('a')] });
    expect(config(out.objects, 'gw-scheduler').kafka).toEqual({ enabled: false });
    expect(out.problems.map((p) => p.reason)).toEqual(['KafkaNotConfigured']);
  });

  it('Kafka over SASL and TLS: every service gets the settings, and the Secrets their files live in', () => {
    const kafka = {
      brokers: ['llmd-kafka-bootstrap:9093'],
      tls: { enabled: true, caFile: '/etc/llmd/kafka-ca/ca.crt', rejectUnauthorized: true },
      sasl: { mechanism: 'scram-sha-512', username: 'llmd', passwordFile: '/etc/llmd/kafka-user/password' },
      secrets: [{ name: 'llmd-cluster-ca-cert', mountPath: '/etc/llmd/kafka-ca' }, { name: 'llmd', mountPath: '/etc/llmd/kafka-user' }],
    };
    const { objects } = desiredInferenceGateway({ ...CTX, kafka }, { gateway: gw({ authSecretRef: { name: 'keys' } }), deployments: [dep('a')] });
    for (const name of ['gw-gateway', 'gw-scheduler', 'gw-cache-manager']) {
      expect(config(objects, name).kafka).toEqual({ brokers: kafka.brokers, enabled: true, tls: kafka.tls, sasl: kafka.sasl });
      const pod = (find(objects, 'Deployment', name) as unknown as { spec: { template: { spec: { volumes: unknown[]; containers: { volumeMounts: unknown[] }[] } } } }).spec.template.spec;
      expect(pod.volumes).toEqual(expect.arrayContaining([{ name: 'kafka-secret-0', secret: { secretName: 'llmd-cluster-ca-cert' } }, { name: 'kafka-secret-1', secret: { secretName: 'llmd' } }]));
      expect(pod.containers[0].volumeMounts).toEqual(expect.arrayContaining([{ name: 'kafka-secret-0', mountPath: '/etc/llmd/kafka-ca', readOnly: true }, { name: 'kafka-secret-1', mountPath: '/etc/llmd/kafka-user', readOnly: true }]));
    }
  });

  it('gRPC over mutual TLS: the scheduler and cache-manager serve with the Secret, the gateway and the scheduler call with it', () => {
    const { objects } = desiredInferenceGateway({ ...CTX, grpcTls: { secretName: 'llmd-grpc-tls', requireClientCert: true } }, { gateway: gw(), deployments: [dep('a')] });
    const files = { certFile: '/etc/llmd/grpc-tls/tls.crt', keyFile: '/etc/llmd/grpc-tls/tls.key', caFile: '/etc/llmd/grpc-tls/ca.crt' };
    expect((config(objects, 'gw-scheduler').grpc as { tls: unknown }).tls).toEqual({ enabled: true, ...files, requireClientCert: true });
    expect((config(objects, 'gw-cache-manager').grpc as { tls: unknown }).tls).toEqual({ enabled: true, ...files, requireClientCert: true });
    expect(config(objects, 'gw-gateway').scheduler).toEqual({ address: expect.stringMatching(/^gw-scheduler\./), tls: { enabled: true, ...files } });
    expect(config(objects, 'gw-scheduler').cacheManager).toEqual({ address: expect.stringMatching(/^gw-cache-manager\./), tls: { enabled: true, ...files } });
    for (const name of ['gw-gateway', 'gw-scheduler', 'gw-cache-manager']) {
      const pod = (find(objects, 'Deployment', name) as unknown as { spec: { template: { spec: { volumes: unknown[]; containers: { volumeMounts: unknown[] }[] } } } }).spec.template.spec;
      expect(pod.volumes).toContainEqual({ name: 'grpc-tls', secret: { secretName: 'llmd-grpc-tls' } });
      expect(pod.containers[0].volumeMounts).toContainEqual({ name: 'grpc-tls', mountPath: '/etc/llmd/grpc-tls', readOnly: true });
    }
  });

  it('without gRPC TLS: plaintext channels, no TLS keys, no Secret mounted', () => {
    const { objects } = desiredInferenceGateway(CTX, { gateway: gw(), deployments: [dep('a')] });
    expect(JSON.stringify(objects)).not.toContain('grpc-tls');
    expect(config(objects, 'gw-gateway').scheduler).not.toHaveProperty('tls');
  });

  it('plain Kafka renders no security keys and mounts no Kafka Secret', () => {
    const { objects } = desiredInferenceGateway(CTX, { gateway: gw(), deployments: [dep('a')] });
    expect(Object.keys(config(objects, 'gw-cache-manager').kafka as object).sort()).toEqual(['brokers', 'enabled']);
    expect(JSON.stringify(find(objects, 'Deployment', 'gw-cache-manager'))).not.toContain('kafka-secret');
  });

  it('a name too long for the cache-manager Service is an invalid spec', () => {
    const g = inferenceGateway({ metadata: { name: `g${'x'.repeat(49)}` }, spec: { deployments: [{ name: 'a' }] } });
    expect(desiredInferenceGateway(CTX, { gateway: g, deployments: [] }).problems).toEqual([{ reason: 'InvalidSpec', message: expect.stringMatching(/longer than 49 characters/), blocking: true }]);
  });

  it('a missing SchedulingPolicy blocks the render', () => {
    expect(desiredInferenceGateway(CTX, { gateway: gw({ schedulingPolicyRef: { name: 'nope' } }), deployments: [dep('a')] })).toEqual({
      objects: [],
      problems: [{ reason: 'PolicyNotFound', message: 'SchedulingPolicy nope (spec.schedulingPolicyRef) not found', blocking: true }],
    });
  });

  it('pods run non-root on a read-only root filesystem, probed on the ops port', () => {
    const { objects } = desiredInferenceGateway(CTX, { gateway: gw(), deployments: [dep('a')] });
    for (const name of ['gw-gateway', 'gw-scheduler', 'gw-cache-manager']) {
      const spec = (find(objects, 'Deployment', name) as unknown as { spec: { template: { spec: { securityContext: unknown; containers: Record<string, unknown>[] } } } }).spec.template.spec;
      expect(spec.securityContext).toMatchObject({ runAsNonRoot: true });
      expect(spec.containers[0]).toMatchObject({
        securityContext: { readOnlyRootFilesystem: true, allowPrivilegeEscalation: false },
        livenessProbe: { httpGet: { path: '/healthz', port: 'ops' } },
        readinessProbe: { httpGet: { path: '/readyz', port: 'ops' } },
      });
    }
  });
});
