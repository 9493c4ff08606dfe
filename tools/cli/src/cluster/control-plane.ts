// `llmd cluster up`: a real Kubernetes control plane on loopback (etcd, kube-apiserver,
// kube-controller-manager, kube-scheduler), then llmd's node agents, each a detached process recorded
// in the cluster's directory. Idempotent: a cluster that is up is left alone; a half-dead one is
// stopped and started again; etcd's data (the cluster's objects) is kept unless --fresh.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { ensureKafkaJars, startBroker } from '../kafka/kafka-broker';
import { ensureTopics } from '../kafka/topics';
import { get } from 'node:http';
import { ClusterConfig, parseClusterConfig, resolveClusterConfig } from './cluster-config';
import { ensureCredentials, readTokens, writeKubeconfigs } from './cluster-credentials';
import { purgeDir, stopAll } from './cluster-down';
import { clusterBrokerOptions, ClusterLayout, clusterLayout } from './cluster-layout';
import { ADMIN_USER, apiserverLaunch, ComponentLaunch, controllerManagerLaunch, etcdLaunch, nodeAgentLaunches, schedulerLaunch } from './component-args';
import { kubeGet, KubeTarget, nodeReadiness } from './kube-get';
import { isRunning, ProcessRecord, readRecords, startDetached } from './process-record';
import { assertPortsFree, checkBinaries, waitUntil } from './startup-checks';

export interface ClusterUpOptions {
  dir: string;
  /** --port; @default the cluster's own, else 6443 */
  port?: number;
  nodes: number;
  /** Remove the cluster's state (its objects too) and make a new one. */
  fresh?: boolean;
  /** A running Kafka broker (host:port) the pods reach as llmd-kafka-bootstrap:9092; absent: `up` starts one in the cluster's directory. */
  kafka?: string;
}

export interface ClusterUpResult {
  /** It was up already; nothing was started. */
  already: boolean;
  server: string;
  kubeconfig: string;
  nodes: number;
  /** From the first process started to the last thing awaited. */
  seconds: number;
}

export const CONTROL_PLANE = ['etcd', 'kube-apiserver', 'kube-controller-manager', 'kube-scheduler'];
const ETCD_READY_MS = 30000;
const APISERVER_READY_MS = 120000;
const DEFAULTS_READY_MS = 60000;
const NODES_READY_MS = 90000;

export function readClusterConfig(layout: ClusterLayout): ClusterConfig | undefined {
  return existsSync(layout.config) ? parseClusterConfig(readFileSync(layout.config, 'utf8'), layout.config) : undefined;
}

export function serverUrl(config: ClusterConfig): string {
  return `https://127.0.0.1:${config.apiPort}`;
}

/** The admin's view of the apiserver, once it has made its certificate. */
export function adminTarget(layout: ClusterLayout, config: ClusterConfig, tokens: Record<string, string>): KubeTarget | undefined {
  if (!existsSync(layout.ca) || !tokens[ADMIN_USER]) return undefined;
  return { server: serverUrl(config), token: tokens[ADMIN_USER], ca: readFileSync(layout.ca, 'utf8') };
}

async function status(target: KubeTarget | undefined, path: string): Promise<number> {
  if (!target) return 0;
  return (await kubeGet(target, path)).status;
}

function etcdHealthy(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const req = get({ host: '127.0.0.1', port, path: '/health', timeout: 2000 }, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(false));
  });
}

export async function clusterUp(options: ClusterUpOptions, log: (line: string) => void): Promise<ClusterUpResult> {
  const layout = clusterLayout(options.dir);
  checkBinaries(options.nodes);
  const records = [...readRecords(layout.run).values()];
  if (options.fresh) {
    if (records.length > 0) log('--fresh: stopping the running cluster and removing its state ...');
    await stopAll(layout, log);
    purgeDir(layout);
  } else if (records.some((r) => isRunning(r))) {
    const stored = readClusterConfig(layout);
    const tokens = readTokens(layout);
    const up = stored && CONTROL_PLANE.every((name) => records.some((r) => r.name === name && isRunning(r))) && records.every((r) => isRunning(r));
    if (up && (await status(adminTarget(layout, stored, tokens), '/readyz').catch(() => 0)) === 200) {
      return { already: true, server: serverUrl(stored), kubeconfig: layout.kubeconfig, nodes: records.length - CONTROL_PLANE.length, seconds: 0 };
    }
    log(`the cluster in ${layout.dir} is only partly running (${records.filter((r) => !isRunning(r)).map((r) => r.name).join(', ') || 'not ready'}): stopping what is left and starting it again ...`);
    await stopAll(layout, log);
  } else {
    // Records of processes that are gone (a reboot, a kill): nothing to stop, only stale files.
    await stopAll(layout);
  }
  const config = resolveClusterConfig(readClusterConfig(layout), { port: options.port, nodes: options.nodes });
  await assertPortsFree([
    { port: config.apiPort, what: 'kube-apiserver', fix: 'choose another with --port' },
    { port: config.etcdClientPort, what: "etcd's client port", fix: 'etcd keeps the ports it was made with: stop that process, or make a new cluster with --fresh --port P' },
    { port: config.etcdPeerPort, what: "etcd's peer port", fix: 'etcd keeps the ports it was made with: stop that process, or make a new cluster with --fresh --port P' },
  ]);
  mkdirSync(layout.dir, { recursive: true });
  writeFileSync(layout.config, JSON.stringify(config, null, 2) + '\n');
  const tokens = ensureCredentials(layout);
  const started: ProcessRecord[] = [];
  const start = async (launch: ComponentLaunch) => {
    const record = await startDetached(launch, layout.record(launch.name), layout.log(launch.name));
    started.push(record);
    log(`${launch.name} started (pid ${record.pid}, log ${record.log})`);
    return record;
  };
  const t0 = Date.now();
  try {
    await start(etcdLaunch(layout, config));
    // The apiserver would start anyway and retry, but its log would open with a page of dial errors.
    await waitUntil(`etcd's /health on 127.0.0.1:${config.etcdClientPort}`, () => etcdHealthy(config.etcdClientPort), started, ETCD_READY_MS);
    await start(apiserverLaunch(layout, config));
    let written = false;
    const ready = async () => {
      // The apiserver writes its certificate before it listens; the kubeconfigs trust its CA.
      if (!written && existsSync(layout.servingCert)) {
        writeKubeconfigs(layout, serverUrl(config), tokens);
        written = true;
      }
      return written && (await status(adminTarget(layout, config, tokens), '/readyz')) === 200;
    };
    await waitUntil(`kube-apiserver's /readyz on ${serverUrl(config)}`, ready, started, APISERVER_READY_MS);
    const target = adminTarget(layout, config, tokens) as KubeTarget;
    await start(controllerManagerLaunch(layout));
    await start(schedulerLaunch(layout));
    // The apiserver makes the default namespace; kube-controller-manager its service account, which
    // every pod in it needs before the ServiceAccount admission plugin lets it in.
    const exists = async (path: string) => (await status(target, path)) === 200;
    await waitUntil('the default namespace and its default ServiceAccount', async () => (await exists('/api/v1/namespaces/default')) && exists('/api/v1/namespaces/default/serviceaccounts/default'), started, DEFAULTS_READY_MS);
    let kafka = options.kafka;
    if (!kafka && config.nodes > 0) {
      // The services' charts publish to llmd-kafka-bootstrap:9092: a real broker, as `npm start` runs one.
      ensureKafkaJars(log);
      kafka = (await startBroker(clusterBrokerOptions(layout, config.apiPort), log)).bootstrap;
      await ensureTopics(kafka);
      log(`kafka started on ${kafka}, reached by the pods as llmd-kafka-bootstrap:9092`);
    }
    const agents = nodeAgentLaunches(layout, config.nodes, process.execPath, kafka);
    for (const agent of agents) {
      mkdirSync(layout.nodeState(agent.name), { recursive: true });
      await start(agent);
    }
    if (agents.length > 0) {
      const names = agents.map((a) => a.name);
      await waitUntil(`Node${names.length > 1 ? 's' : ''} ${names.join(', ')} to be Ready`, async () => {
        const res = await kubeGet(target, '/api/v1/nodes');
        const ready = nodeReadiness(res.body).filter((n) => n.ready === 'True').map((n) => n.name);
        return res.status === 200 && names.every((n) => ready.includes(n));
      }, started, NODES_READY_MS);
    }
  } catch (err) {
    log('stopping what was started ...');
    await stopAll(layout, log);
    throw err;
  }
  return { already: false, server: serverUrl(config), kubeconfig: layout.kubeconfig, nodes: config.nodes, seconds: (Date.now() - t0) / 1000 };
}
