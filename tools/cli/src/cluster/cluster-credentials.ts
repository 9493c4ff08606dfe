// The cluster's secrets, made once with node:crypto and kept in <dir>/pki: the service-account signing
// key pair and a bearer token per user (the admin, kube-controller-manager, kube-scheduler). The
// kubeconfigs are rewritten on every `up` (the port may move) and trust the apiserver's own CA.
import { generateKeyPairSync, randomBytes, X509Certificate } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { stringify } from 'yaml';
import { ClusterError } from './cluster.error';
import type { ClusterLayout } from './cluster-layout';
import { ADMIN_USER, CONTROLLER_MANAGER_USER, SCHEDULER_USER } from './component-args';

/** The token file's users and their groups (system:masters: the admin may do anything). */
const USERS: readonly { user: string; groups: readonly string[] }[] = [
  { user: ADMIN_USER, groups: ['system:masters'] },
  { user: CONTROLLER_MANAGER_USER, groups: [] },
  { user: SCHEDULER_USER, groups: [] },
];

/** kube-apiserver's --token-auth-file: `token,user,uid[,"group,..."]` per line. */
export function tokensCsv(tokens: Readonly<Record<string, string>>): string {
  return USERS.map(({ user, groups }) => [tokens[user], user, user, ...(groups.length ? [`"${groups.join(',')}"`] : [])].join(',')).join('\n') + '\n';
}

/** User -> token, from a token file this module wrote. */
export function parseTokens(text: string, file: string): Record<string, string> {
  const tokens: Record<string, string> = {};
  for (const line of text.split('\n').filter((l) => l.trim() !== '')) {
    const [token, user] = line.split(',');
    if (!token || !user) throw new ClusterError('LLMD_CLUSTER_BAD_STATE', `${file}: malformed line "${line}"`);
    tokens[user] = token;
  }
  const missing = USERS.find(({ user }) => !tokens[user]);
  if (missing) throw new ClusterError('LLMD_CLUSTER_BAD_STATE', `${file} has no token for ${missing.user}; start the cluster with --fresh`);
  return tokens;
}

export interface KubeconfigInput {
  server: string;
  /** PEM of the CA that signed the apiserver's certificate. */
  caPem: string;
  user: string;
  token: string;
}

export function kubeconfigYaml(input: KubeconfigInput): string {
  return stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'llmd', cluster: { server: input.server, 'certificate-authority-data': Buffer.from(input.caPem).toString('base64') } }],
    users: [{ name: input.user, user: { token: input.token } }],
    contexts: [{ name: 'llmd', context: { cluster: 'llmd', user: input.user, namespace: 'default' } }],
    'current-context': 'llmd',
  });
}

/** The tokens of an existing cluster (none when it has no token file yet). */
export function readTokens(layout: ClusterLayout): Record<string, string> {
  return existsSync(layout.tokens) ? parseTokens(readFileSync(layout.tokens, 'utf8'), layout.tokens) : {};
}

/** Makes the key pair and tokens unless they exist; returns the tokens. */
export function ensureCredentials(layout: ClusterLayout): Record<string, string> {
  mkdirSync(layout.pki, { recursive: true, mode: 0o700 });
  if (!existsSync(layout.saKey) || !existsSync(layout.saPub)) {
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    writeFileSync(layout.saKey, privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
    writeFileSync(layout.saPub, publicKey.export({ type: 'spki', format: 'pem' }));
  }
  if (!existsSync(layout.tokens)) {
    writeFileSync(layout.tokens, tokensCsv(Object.fromEntries(USERS.map(({ user }) => [user, randomBytes(24).toString('hex')]))), { mode: 0o600 });
  }
  return parseTokens(readFileSync(layout.tokens, 'utf8'), layout.tokens);
}

/** The CA certificates of a PEM bundle (the apiserver writes its serving certificate, then its CA). */
export function caCertificates(bundle: string): string {
  const blocks = bundle.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
  const cas = blocks.filter((pem) => new X509Certificate(pem).ca);
  if (cas.length === 0) throw new ClusterError('LLMD_CLUSTER_BAD_STATE', 'the apiserver\'s certificate bundle holds no CA certificate; start the cluster with --fresh');
  return cas.join('\n') + '\n';
}

/** Writes the CA and the admin's and the components' kubeconfigs; the apiserver must have made its certificate. */
export function writeKubeconfigs(layout: ClusterLayout, server: string, tokens: Readonly<Record<string, string>>): void {
  const caPem = caCertificates(readFileSync(layout.servingCert, 'utf8'));
  writeFileSync(layout.ca, caPem);
  const write = (file: string, user: string) => writeFileSync(file, kubeconfigYaml({ server, caPem, user, token: tokens[user] }), { mode: 0o600 });
  write(layout.kubeconfig, ADMIN_USER);
  write(layout.componentKubeconfig('kube-controller-manager'), CONTROLLER_MANAGER_USER);
  write(layout.componentKubeconfig('kube-scheduler'), SCHEDULER_USER);
}
