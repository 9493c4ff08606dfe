// A real kube-apiserver over a real etcd, both built from the Go module proxy by tools/k8s/build.sh,
// on ephemeral loopback ports; on request also a real kube-controller-manager running the controllers
// that turn Deployments into ReplicaSets and Pods and collect owned objects. No kubelet or scheduler:
// pods stay unbound and the test writes their status itself, as a kubelet would.
import { ChildProcess, spawn } from 'node:child_process';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Agent, fetch } from 'undici';
import { freePorts } from '@llmd/cli';
import { until } from './until';

const BIN = join(__dirname, '..', '..', '.llmd', 'k8s', 'bin');

export interface KubeApiServer {
  url: string;
  kubeconfig: string;
  /** A JSON request as the cluster admin; returns the parsed body, throws on a non-2xx status. */
  request(method: string, path: string, body?: unknown, contentType?: string): Promise<Record<string, unknown>>;
  stop(): Promise<void>;
}

function startProcess(bin: string, args: string[], log: string[]): ChildProcess {
  const child = spawn(join(BIN, bin), args, { stdio: ['ignore', 'pipe', 'pipe'] });
  const keep = (b: Buffer) => {
    log.push(b.toString());
    if (log.length > 200) log.shift();
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  return child;
}

async function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  await new Promise<void>((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

export interface KubeApiServerOptions {
  /** Also run kube-controller-manager with these controllers. @default none */
  controllers?: string[];
  /** The Services' ClusterIP range (llmd's node agent serves them on a loopback one). @default 10.96.0.0/16 */
  serviceCidr?: string;
}

/** The controllers the operator's tests need: Deployments into Pods, owner-reference garbage collection, namespaces. */
export const WORKLOAD_CONTROLLERS = ['deployment-controller', 'replicaset-controller', 'garbage-collector-controller', 'namespace-controller'];

export async function startKubeApiServer(options: KubeApiServerOptions = {}): Promise<KubeApiServer> {
  const controllers = options.controllers ?? [];
  for (const bin of ['etcd', 'kube-apiserver', ...(controllers.length ? ['kube-controller-manager'] : [])]) {
    if (!existsSync(join(BIN, bin))) throw new Error(`${join(BIN, bin)} is missing: run tools/k8s/build.sh`);
  }
  const dir = mkdtempSync(join(tmpdir(), 'llmd-kube-'));
  const [etcdClient, etcdPeer, apiPort] = await freePorts(3);
  const token = randomBytes(24).toString('hex');
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  writeFileSync(join(dir, 'sa.key'), privateKey.export({ type: 'pkcs8', format: 'pem' }));
  writeFileSync(join(dir, 'sa.pub'), publicKey.export({ type: 'spki', format: 'pem' }));
  writeFileSync(join(dir, 'tokens.csv'), `${token},llmd-test-admin,llmd-test-admin,"system:masters"\n`);
  const url = `https://127.0.0.1:${apiPort}`;
  writeFileSync(
    join(dir, 'kubeconfig'),
    [
      'apiVersion: v1',
      'kind: Config',
      'clusters: [{name: test, cluster: {server: "' + url + '", insecure-skip-tls-verify: true}}]',
      'users: [{name: admin, user: {token: "' + token + '"}}]',
      'contexts: [{name: test, context: {cluster: test, user: admin}}]',
      'current-context: test',
      '',
    ].join('\n'),
  );
  const log: string[] = [];
  const etcd = startProcess(
    'etcd',
    [
      '--name=test', `--data-dir=${join(dir, 'etcd')}`, '--unsafe-no-fsync',
      `--listen-client-urls=http://127.0.0.1:${etcdClient}`, `--advertise-client-urls=http://127.0.0.1:${etcdClient}`,
      `--listen-peer-urls=http://127.0.0.1:${etcdPeer}`, `--initial-advertise-peer-urls=http://127.0.0.1:${etcdPeer}`,
      `--initial-cluster=test=http://127.0.0.1:${etcdPeer}`, '--log-level=warn',
    ],
    log,
  );
  const apiserver = startProcess(
    'kube-apiserver',
    [
      `--etcd-servers=http://127.0.0.1:${etcdClient}`, `--secure-port=${apiPort}`, '--bind-address=127.0.0.1', '--advertise-address=127.0.0.1',
      `--cert-dir=${join(dir, 'certs')}`, `--token-auth-file=${join(dir, 'tokens.csv')}`, '--authorization-mode=RBAC',
      '--service-account-issuer=https://kubernetes.default.svc.cluster.local', `--service-account-key-file=${join(dir, 'sa.pub')}`,
      `--service-account-signing-key-file=${join(dir, 'sa.key')}`, `--service-cluster-ip-range=${options.serviceCidr ?? '10.96.0.0/16'}`,
      // No controller-manager creates the default service account, so pods are admitted without one.
      '--disable-admission-plugins=ServiceAccount', '--enable-priority-and-fairness=false', '--v=0',
    ],
    log,
  );
  const dispatcher = new Agent({ connect: { rejectUnauthorized: false } });
  const request = async (method: string, path: string, body?: unknown, contentType = 'application/json') => {
    const res = await fetch(url + path, {
      method,
      headers: { authorization: `Bearer ${token}`, 'content-type': contentType, accept: 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
      dispatcher,
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${text}`);
    return (text.startsWith('{') ? JSON.parse(text) : { text }) as Record<string, unknown>;
  };
  let controllerManager: ChildProcess | undefined;
  const stop = async () => {
    if (controllerManager) await stopProcess(controllerManager);
    await stopProcess(apiserver);
    await stopProcess(etcd);
    await dispatcher.close();
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await until(async () => {
      if (apiserver.exitCode !== null || etcd.exitCode !== null) throw new Error(`kube-apiserver or etcd exited:\n${log.join('')}`);
      try {
        await request('GET', '/readyz');
        return true;
      } catch {
        return false;
      }
    }, 90000);
    // The apiserver makes the default namespace itself, shortly after it is ready.
    await until(async () => request('GET', '/api/v1/namespaces/default').then(() => true, () => false), 30000);
    if (controllers.length) {
      controllerManager = startProcess(
        'kube-controller-manager',
        [
          `--kubeconfig=${join(dir, 'kubeconfig')}`, `--controllers=${controllers.join(',')}`, '--leader-elect=false',
          '--secure-port=0', '--use-service-account-credentials=false', '--concurrent-deployment-syncs=2', '--v=0',
        ],
        log,
      );
      const cm = controllerManager;
      cm.once('exit', (code) => {
        if (code) log.push(`kube-controller-manager exited with ${code}\n`);
      });
    }
  } catch (err) {
    await stop();
    throw err;
  }
  return { url, kubeconfig: join(dir, 'kubeconfig'), request, stop };
}
