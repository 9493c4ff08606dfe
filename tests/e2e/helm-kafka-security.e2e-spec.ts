// The charts' Kafka TLS/SASL values, rendered by the real helm: kafkaSecrets mounted whole and
// read-only, config.kafka.tls/sasl in the config file as given, a password in config refused (it would
// sit in a ConfigMap), and values.schema.json refusing a bad mechanism or Secret entry by name.
import { join } from 'node:path';
import { parse } from 'yaml';
import { helm, K8sObject, template } from '../support/helm';

const HELM_DIR = join(__dirname, '..', '..', 'deploy', 'helm');
const CHARTS = ['gateway', 'scheduler', 'cache-manager', 'autoscaler'];

type PodSpec = { volumes: { name: string; secret?: { secretName: string } }[]; containers: { volumeMounts: { name: string; mountPath: string; readOnly?: boolean }[] }[] };

function find(objects: K8sObject[], kind: string): K8sObject {
  const o = objects.find((x) => x.kind === kind);
  if (!o) throw new Error(`no ${kind} rendered`);
  return o;
}

describe.each(CHARTS)('deploy/helm/%s: Kafka over SASL and TLS', (chart) => {
  const dir = join(HELM_DIR, chart);

  it('mounts each of kafkaSecrets read-only where the config points, and renders config.kafka as given', async () => {
    const objects = await template(dir, chart, chart, [join(dir, 'ci', 'kafka-sasl-tls.yaml')]);
    const pod = (find(objects, 'Deployment') as unknown as { spec: { template: { spec: PodSpec } } }).spec.template.spec;
    const secretAt = Object.fromEntries(
      pod.containers[0].volumeMounts.filter((m) => m.name.startsWith('kafka-secret-')).map((m) => [m.mountPath, { secret: pod.volumes.find((v) => v.name === m.name)?.secret?.secretName, readOnly: m.readOnly }]),
    );
    expect(secretAt).toEqual({ '/etc/llmd/kafka-ca': { secret: 'llmd-cluster-ca-cert', readOnly: true }, '/etc/llmd/kafka-user': { secret: `llmd-${chart}`, readOnly: true } });
    const config = parse((find(objects, 'ConfigMap') as unknown as { data: Record<string, string> }).data['config.yaml']);
    expect(config.kafka).toMatchObject({
      brokers: ['llmd-kafka-bootstrap:9093'],
      tls: { enabled: true, caFile: '/etc/llmd/kafka-ca/ca.crt' },
      sasl: { mechanism: 'scram-sha-512', username: `llmd-${chart}`, passwordFile: '/etc/llmd/kafka-user/password' },
    });
  });

  it.each([
    ['a password in config', ['--set', 'config.kafka.sasl.mechanism=plain', '--set', 'config.kafka.sasl.username=u', '--set', 'config.kafka.sasl.password=hunter2'], /config\.kafka\.sasl\.password would be written into a ConfigMap/],
    ['an unknown mechanism', ['--set', 'config.kafka.sasl.mechanism=gssapi', '--set', 'config.kafka.sasl.username=u', '--set', 'config.kafka.sasl.passwordFile=/p'], /config\/kafka\/sasl\/mechanism/],
    ['a Secret without a mountPath', ['--set', 'kafkaSecrets[0].name=llmd-cluster-ca-cert'], /kafkaSecrets\/0': missing property 'mountPath'/],
  ])('refuses %s, naming it', async (_what, args, message) => {
    const r = await helm(['template', chart, dir, ...args]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(message);
    expect(r.stdout + r.stderr).not.toContain('hunter2');
  });
});
