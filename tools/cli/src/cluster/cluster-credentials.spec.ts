import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { caCertificates, ensureCredentials, kubeconfigYaml, parseTokens, tokensCsv } from './cluster-credentials';
import { clusterLayout } from './cluster-layout';

const tokens = { 'llmd-admin': 'a1', 'system:kube-controller-manager': 'c2', 'system:kube-scheduler': 's3' };

describe('the token file', () => {
  it('makes the admin a system:master and gives the components their bootstrap-policy user names', () => {
    expect(tokensCsv(tokens)).toBe('a1,llmd-admin,llmd-admin,"system:masters"\nc2,system:kube-controller-manager,system:kube-controller-manager\ns3,system:kube-scheduler,system:kube-scheduler\n');
  });

  it('reads back what it writes', () => {
    expect(parseTokens(tokensCsv(tokens), 'tokens.csv')).toEqual(tokens);
  });

  it.each([
    ['a line without a user', 'a1\n', /tokens.csv: malformed line "a1"/],
    ['a missing user', 'a1,llmd-admin,llmd-admin\n', /tokens.csv has no token for system:kube-controller-manager/],
  ])('refuses %s', (_name, text, message) => {
    expect(() => parseTokens(text, 'tokens.csv')).toThrow(message);
  });
});

describe('kubeconfigYaml', () => {
  it('is a kubeconfig with the server, the CA inline and the token', () => {
    const doc = parse(kubeconfigYaml({ server: 'https://127.0.0.1:6443', caPem: 'PEM', user: 'llmd-admin', token: 'a1' }));
    expect(doc).toEqual({
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [{ name: 'llmd', cluster: { server: 'https://127.0.0.1:6443', 'certificate-authority-data': Buffer.from('PEM').toString('base64') } }],
      users: [{ name: 'llmd-admin', user: { token: 'a1' } }],
      contexts: [{ name: 'llmd', context: { cluster: 'llmd', user: 'llmd-admin', namespace: 'default' } }],
      'current-context': 'llmd',
    });
  });
});

describe('caCertificates', () => {
  it('keeps the CA of the bundle kube-apiserver writes (its serving certificate, then the CA)', () => {
    const bundle = readFileSync(join(__dirname, 'testing', 'apiserver-bundle.pem'), 'utf8');
    const ca = caCertificates(bundle);
    const cert = new X509Certificate(ca);
    expect(cert.ca).toBe(true);
    expect(cert.subject).toMatch(/-ca@/);
    expect(ca.match(/BEGIN CERTIFICATE/g)).toHaveLength(1);
  });

  it('refuses a bundle without a CA', () => {
    expect(() => caCertificates('')).toThrow(/holds no CA certificate/);
  });
});

describe('ensureCredentials', () => {
  const dir = mkdtempSync(join(tmpdir(), 'llmd-cluster-creds-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('makes the keys and tokens once, private to the user, and keeps them', () => {
    const layout = clusterLayout(dir);
    const first = ensureCredentials(layout);
    const key = readFileSync(layout.saKey, 'utf8');
    expect(Object.keys(first).sort()).toEqual(Object.keys(tokens).sort());
    expect(new Set(Object.values(first)).size).toBe(3);
    expect(key).toMatch(/^-----BEGIN PRIVATE KEY-----/);
    expect(statSync(layout.saKey).mode & 0o077).toBe(0);
    expect(statSync(layout.tokens).mode & 0o077).toBe(0);
    expect(ensureCredentials(layout)).toEqual(first);
    expect(readFileSync(layout.saKey, 'utf8')).toBe(key);
  });
});
