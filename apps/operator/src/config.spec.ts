import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '@llmd/platform';
import { DEFAULT_VLLM_IMAGE, OPERATOR_ENV, operatorConfigSchema } from './config';
import { llmdVersion } from './version';

const load = (env: Record<string, string>) => loadConfig(operatorConfigSchema, { envMap: OPERATOR_ENV, env });

describe('operator config', () => {
  const version = llmdVersion();

  it('defaults: all namespaces, leader election on, images of this version and a pinned vLLM', () => {
    const config = load({});
    expect(config).toMatchObject({
      watchNamespaces: [],
      concurrency: 4,
      resyncIntervalMs: 300000,
      leaderElection: { enabled: true, leaseName: 'llmd-operator' },
      images: { vllm: DEFAULT_VLLM_IMAGE, vllmSim: `llmd-vllm-sim:${version}`, gateway: `llmd-gateway:${version}`, scheduler: `llmd-scheduler:${version}`, cacheManager: `llmd-cache-manager:${version}` },
    });
    expect(config.leaderElection.identity).toMatch(/-\d+$/);
    expect(config.kafka).toBeUndefined();
    expect(version).toMatch(/^\d+\.\d+\.\d+/);
  });

  it.each([
    [{ LLMD_OPERATOR_WATCH_NAMESPACES: 'llm, prod-a' }, { watchNamespaces: ['llm', 'prod-a'] }],
    [{ LLMD_OPERATOR_CONCURRENCY: '8' }, { concurrency: 8 }],
    [{ LLMD_OPERATOR_KUBECONFIG: '/tmp/kc' }, { kubeconfig: '/tmp/kc' }],
    [{ LLMD_OPERATOR_IMAGE_VLLM: 'registry.local:5000/vllm:v1' }, { images: { vllm: 'registry.local:5000/vllm:v1' } }],
    [{ LLMD_KAFKA_BROKERS: 'kafka-0:9092,kafka-1:9092' }, { kafka: { brokers: ['kafka-0:9092', 'kafka-1:9092'], secrets: [] } }],
    [
      { LLMD_KAFKA_BROKERS: 'k:9093', LLMD_KAFKA_TLS_ENABLED: 'true', LLMD_KAFKA_TLS_CA_FILE: '/ca/ca.crt', LLMD_KAFKA_SASL_MECHANISM: 'scram-sha-512', LLMD_KAFKA_SASL_USERNAME: 'llmd', LLMD_KAFKA_SASL_PASSWORD_FILE: '/user/password' },
      { kafka: { brokers: ['k:9093'], tls: { enabled: true, caFile: '/ca/ca.crt', rejectUnauthorized: true }, sasl: { mechanism: 'scram-sha-512', username: 'llmd', passwordFile: '/user/password' } } },
    ],
    [{ LLMD_OPERATOR_LEADER_ELECTION: 'false', LLMD_OPERATOR_IDENTITY: 'op-a' }, { leaderElection: { enabled: false, identity: 'op-a', leaseName: 'llmd-operator' } }],
    [{ LLMD_OPERATOR_LEADER_ELECTION_NAMESPACE: 'llmd-system', LLMD_OPERATOR_LEASE_NAME: 'my-lease' }, { leaderElection: { namespace: 'llmd-system', leaseName: 'my-lease' } }],
    [{ LLMD_OPERATOR_RESYNC_INTERVAL_MS: '60000', LLMD_OPERATOR_CRD_CHECK_INTERVAL_MS: '500' }, { resyncIntervalMs: 60000, crdCheckIntervalMs: 500 }],
  ])('%p', (env, expected) => {
    expect(load(env)).toMatchObject(expected);
  });

  it.each([
    [{ LLMD_OPERATOR_WATCH_NAMESPACES: 'Bad_NS' }, 'watchNamespaces.0'],
    [{ LLMD_OPERATOR_CONCURRENCY: '0' }, 'concurrency'],
    [{ LLMD_OPERATOR_OPS_PORT: '70000' }, 'ops.port'],
    [{ LLMD_OPERATOR_IMAGE_GATEWAY: 'has space:1' }, 'images.gateway'],
    [{ LLMD_KAFKA_BROKERS: 'no-port' }, 'kafka.brokers.0'],
    [{ LLMD_KAFKA_BROKERS: 'k:9093', LLMD_KAFKA_SASL_MECHANISM: 'kerberos', LLMD_KAFKA_SASL_USERNAME: 'u', LLMD_KAFKA_SASL_PASSWORD_FILE: '/p' }, 'kafka.sasl.mechanism'],
    [{ LLMD_KAFKA_BROKERS: 'k:9093', LLMD_KAFKA_TLS_CA_FILE: '/ca.crt' }, 'kafka.tls.enabled'],
    [{ LLMD_OPERATOR_LEADER_ELECTION: 'maybe' }, 'leaderElection.enabled'],
    [{ LLMD_OPERATOR_LEASE_NAME: 'Lease!' }, 'leaderElection.leaseName'],
    [{ LLMD_OPERATOR_RESYNC_INTERVAL_MS: '10' }, 'resyncIntervalMs'],
  ])('%p is refused naming %s', (env, field) => {
    expect(() => load(env)).toThrow(expect.objectContaining({ field }));
  });

  it('refuses a SASL password (it would land in the services\' ConfigMaps) and takes the Secrets to mount from YAML', () => {
    const dir = mkdtempSync(join(tmpdir(), 'llmd-operator-config-'));
    const bad = join(dir, 'bad.yaml');
    writeFileSync(bad, 'kafka:\n  brokers: [k:9093]\n  sasl: {mechanism: plain, username: u, password: secret}\n');
    expect(() => load({ LLMD_CONFIG: bad })).toThrow(expect.objectContaining({ field: 'kafka.sasl.password' }));
    const good = join(dir, 'good.yaml');
    writeFileSync(good, 'kafka:\n  brokers: [k:9093]\n  secrets:\n    - {name: llmd-cluster-ca-cert, mountPath: /etc/llmd/kafka-ca}\n');
    expect(load({ LLMD_CONFIG: good }).kafka?.secrets).toEqual([{ name: 'llmd-cluster-ca-cert', mountPath: '/etc/llmd/kafka-ca' }]);
  });

  it('reads a YAML file under the env vars', () => {
    const dir = mkdtempSync(join(tmpdir(), 'llmd-operator-config-'));
    const file = join(dir, 'operator.yaml');
    writeFileSync(file, 'watchNamespaces: [llm]\nimages:\n  scheduler: my/scheduler:1\nleaderElection:\n  leaseName: from-file\n');
    expect(load({ LLMD_CONFIG: file, LLMD_OPERATOR_LEASE_NAME: 'from-env' })).toMatchObject({
      watchNamespaces: ['llm'],
      images: { scheduler: 'my/scheduler:1', gateway: `llmd-gateway:${version}` },
      leaderElection: { leaseName: 'from-env', enabled: true },
    });
  });
});
