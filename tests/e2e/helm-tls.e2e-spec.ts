// The charts' transport TLS values, rendered by the real helm: tlsSecrets mounted whole and read-only,
// the config's tls keys in the config file as given, and values.schema.json refusing a bad entry.
import { join } from 'node:path';
import { parse } from 'yaml';
import { helm, K8sObject, template } from '../support/helm';

const HELM_DIR = join(__dirname, '..', '..', 'deploy', 'helm');

type PodSpec = { volumes: { name: string; secret?: { secretName: string } }[]; containers: { volumeMounts: { name: string; mountPath: string; readOnly?: boolean }[] }[] };

function find(objects: K8sObject[], kind: string): K8sObject {
  const o = objects.find((x) => x.kind === kind);
  if (!o) throw new Error(`no ${kind} rendered`);
  return o;
}

const TLS_FILES = { certFile: '/etc/llmd/tls/tls.crt', keyFile: '/etc/llmd/tls/tls.key' };

describe.each([
  ['gateway', { http: { tls: { enabled: true, ...TLS_FILES } }, scheduler: { tls: { enabled: true, caFile: '/etc/llmd/tls/ca.crt', ...TLS_FILES } } }],
  ['scheduler', { grpc: { tls: { enabled: true, ...TLS_FILES, caFile: '/etc/llmd/tls/ca.crt', requireClientCert: true } }, cacheManager: { tls: { enabled: true, caFile: '/etc/llmd/tls/ca.crt', ...TLS_FILES } } }],
  ['cache-manager', { grpc: { tls: { enabled: true, ...TLS_FILES, caFile: '/etc/llmd/tls/ca.crt', requireClientCert: true } } }],
])('deploy/helm/%s: transport TLS', (chart, expected) => {
  const dir = join(HELM_DIR, chart);

  it('mounts tlsSecrets read-only where the config points, and renders its tls keys as given', async () => {
    const objects = await template(dir, chart, chart, [join(dir, 'ci', 'mtls.yaml')]);
    const pod = (find(objects, 'Deployment') as unknown as { spec: { template: { spec: PodSpec } } }).spec.template.spec;
    const secretAt = Object.fromEntries(
      pod.containers[0].volumeMounts.filter((m) => m.name.startsWith('tls-secret-')).map((m) => [m.mountPath, { secret: pod.volumes.find((v) => v.name === m.name)?.secret?.secretName, readOnly: m.readOnly }]),
    );
    expect(secretAt).toEqual({ '/etc/llmd/tls': { secret: `llmd-${chart}-tls`, readOnly: true } });
    expect(parse((find(objects, 'ConfigMap') as unknown as { data: Record<string, string> }).data['config.yaml'])).toMatchObject(expected);
  });

  it('refuses a Secret without a mountPath, naming it', async () => {
    const r = await helm(['template', chart, dir, '--set', 'tlsSecrets[0].name=llmd-tls']);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/tlsSecrets\/0': missing property 'mountPath'/);
  });
});
