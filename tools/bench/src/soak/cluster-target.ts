// The soak on a local cluster: the demo `tools/llmd cluster demo --dir DIR` left running (the charts,
// the operator, the brief's disaggregated example on vllm-sim). The soak makes three changes it undoes
// at the end: a CachePolicy that gives the pods a KV-event replay socket (the index check reads the
// pods' true pools from it), the example pointed at it, and the gateway Deployment at --gateways
// replicas. Its faults are a kubelet's: a container SIGKILLed is restarted by the node agent, in the
// same pod at the same address; the cluster's own Kafka broker is stopped and started.
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { brokerStatus, clusterBrokerOptions, clusterLayout, DEMO_DEPLOYMENT, DEMO_NAMESPACE, parseClusterConfig, REPO_ROOT, startBroker, stopBroker, waitForBrokerServing } from '@llmd/cli';
import { kubeRequest, loadKubeConfig } from '@llmd/controller-kit';
import { kvReplayPortName, podEndpointId } from '@llmd/platform';
import type { SoakTarget } from './target';

const KUBECTL = join(REPO_ROOT, '.llmd', 'k8s', 'bin', 'kubectl');
const POLICY = 'llmd-soak-replay';
/** The replay port the soak's CachePolicy gives the pods (kvEvents.replayPort); 5557 publishes. */
const REPLAY_PORT = 5558;
const SERVICES = ['scheduler', 'cache-manager', 'autoscaler', 'operator'] as const;

interface PodJson {
  metadata: { name: string; namespace: string; labels?: Record<string, string>; deletionTimestamp?: string };
  spec: { containers: { name: string; ports?: { name?: string; containerPort: number }[]; args?: string[] }[] };
  status: { podIP?: string; phase?: string; containerStatuses?: { ready: boolean; containerID?: string }[] };
}

interface Tracked {
  /** The soak's name for it: `gateway`, `gateway-1`, `scheduler`, `sim-0`, ... */
  name: string;
  pod: string;
  ip?: string;
  pid?: number;
  ready: boolean;
  ports: Record<string, number>;
}

export interface ClusterTargetOptions {
  dir: string;
  gateways: number;
  say: (line: string) => void;
}

function kubectl(kubeconfig: string, args: string[], input?: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = execFile(KUBECTL, ['-n', DEMO_NAMESPACE, ...args], { env: { ...process.env, KUBECONFIG: kubeconfig }, maxBuffer: 32 << 20 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`kubectl ${args.join(' ')}: ${stderr || err.message}`));
      else resolve(stdout);
    });
    if (input !== undefined) child.stdin?.end(input);
  });
}

const pidOfContainer = (id: string | undefined) => (id?.startsWith('llmd://') ? Number(id.slice(7)) : undefined);

/** The soak's names for the demo's pods: gateways, the four services, then prefill and decode pods (`sim-N`). */
export function nameClusterPods(pods: readonly PodJson[], deployment: string): Map<string, string> {
  const byName = (a: PodJson, b: PodJson) => a.metadata.name.localeCompare(b.metadata.name);
  const component = (p: PodJson) => p.metadata.labels?.['app.kubernetes.io/component'];
  const names = new Map<string, string>();
  pods.filter((p) => component(p) === 'gateway').sort(byName).forEach((p, i) => names.set(i === 0 ? 'gateway' : `gateway-${i}`, p.metadata.name));
  for (const s of SERVICES) {
    const pod = pods.filter((p) => component(p) === s).sort(byName)[0];
    if (pod) names.set(s, pod.metadata.name);
  }
  const servers = pods.filter((p) => p.metadata.labels?.['llm-d.io/deployment'] === deployment);
  const role = (p: PodJson) => p.metadata.labels?.['llm-d.ai/role'] ?? '';
  [...servers.filter((p) => role(p) === 'prefill').sort(byName), ...servers.filter((p) => role(p) !== 'prefill').sort(byName)].forEach((p, i) => names.set(`sim-${i}`, p.metadata.name));
  return names;
}

export async function startClusterTarget(o: ClusterTargetOptions): Promise<SoakTarget> {
  const layout = clusterLayout(o.dir);
  if (!existsSync(layout.config)) throw new Error(`no cluster in ${o.dir}: make one with tools/llmd cluster demo --dir ${o.dir}`);
  const config = parseClusterConfig(readFileSync(layout.config, 'utf8'), layout.config);
  // The soak stops and starts the cluster's broker: only one `cluster up` started itself.
  if (!brokerStatus({ dir: layout.kafka }).running) throw new Error(`the cluster in ${o.dir} runs no Kafka broker of its own (made with --kafka?): the soak needs one it can stop`);
  const brokerOptions = clusterBrokerOptions(layout, config.apiPort);
  const bootstrap = `127.0.0.1:${brokerOptions.port}`;
  const kc = loadKubeConfig(layout.kubeconfig);
  const run = (args: string[], input?: string) => kubectl(layout.kubeconfig, args, input);

  const example = JSON.parse(await run(['get', 'llmdeployment', DEMO_DEPLOYMENT, '-o', 'json'])) as { spec: { model: { name: string }; cachePolicyRef?: { name: string } } };
  const model = example.spec.model.name;
  const previousPolicy = example.spec.cachePolicyRef?.name;
  const previousGateways = Number(await run(['get', 'deployment', 'gateway', '-o', 'jsonpath={.spec.replicas}']));
  o.say(`cluster ${o.dir}: giving the pods a replay socket (CachePolicy ${POLICY}) and the gateway ${o.gateways} replicas`);
  await run(['apply', '--server-side', '-f', '-'], JSON.stringify({ apiVersion: 'llm-d.io/v1alpha1', kind: 'CachePolicy', metadata: { name: POLICY, namespace: DEMO_NAMESPACE }, spec: { blockSize: 16, kvEvents: { enabled: true, port: 5557, replayPort: REPLAY_PORT } } }));
  await run(['patch', 'llmdeployment', DEMO_DEPLOYMENT, '--type', 'merge', '-p', JSON.stringify({ spec: { cachePolicyRef: { name: POLICY } } })]);
  await run(['scale', 'deployment', 'gateway', `--replicas=${o.gateways}`]);

  let undone = false;
  const undo = async () => {
    if (undone) return;
    undone = true;
    await run(['scale', 'deployment', 'gateway', `--replicas=${previousGateways}`]).catch(() => undefined);
    await run(['patch', 'llmdeployment', DEMO_DEPLOYMENT, '--type', 'merge', '-p', JSON.stringify({ spec: { cachePolicyRef: previousPolicy ? { name: previousPolicy } : null } })]).catch(() => undefined);
    await run(['delete', 'cachepolicy', POLICY, '--ignore-not-found']).catch(() => undefined);
  };

  const list = async () => (await kubeRequest<{ items: PodJson[] }>(kc, 'GET', `/api/v1/namespaces/${DEMO_NAMESPACE}/pods`, undefined, { timeoutMs: 10000 })).items;
  // The operator declares the replay socket as a named port (what cache-manager reads too).
  const replaying = (p: PodJson) => (p.spec.containers[0]?.ports ?? []).some((port) => port.name === kvReplayPortName(0));
  const isServer = (p: PodJson) => p.metadata.labels?.['llm-d.io/deployment'] === DEMO_DEPLOYMENT;
  const settled = (pods: PodJson[]) => {
    const gateways = pods.filter((p) => p.metadata.labels?.['app.kubernetes.io/component'] === 'gateway');
    return gateways.length === o.gateways && pods.filter(isServer).every(replaying) && pods.every((p) => p.status.phase === 'Running' && p.status.containerStatuses?.every((c) => c.ready));
  };
  // The patched pools roll out: wait for only new, ready pods (old ones gone), and the example Ready.
  let pods: PodJson[] = [];
  try {
    for (const end = Date.now() + 300000; ; ) {
      pods = (await list()).filter((p) => !p.metadata.deletionTimestamp);
      if (settled(pods)) break;
      if (Date.now() > end) throw new Error(`the demo's pods did not roll out with a replay socket within 300 s`);
      await new Promise((r) => setTimeout(r, 2000));
    }
    await run(['wait', '--for=condition=Ready', `llmdeployment/${DEMO_DEPLOYMENT}`, '--timeout=300s']);
  } catch (err) {
    await undo();
    throw err;
  }

  const names = nameClusterPods(pods, DEMO_DEPLOYMENT);
  const tracked = new Map<string, Tracked>([...names].map(([name, pod]) => [name, { name, pod, ready: false, ports: {} }]));
  const listeners: ((service: string) => void)[] = [];
  const refresh = async () => {
    const byPod = new Map((await list()).map((p) => [p.metadata.name, p]));
    for (const t of tracked.values()) {
      const p = byPod.get(t.pod);
      const status = p?.status.containerStatuses?.[0];
      const pid = pidOfContainer(status?.containerID);
      const ready = Boolean(p && status?.ready);
      const back = ready && (!t.ready || (pid !== undefined && pid !== t.pid));
      t.ip = p?.status.podIP ?? t.ip;
      t.ready = ready;
      if (pid !== undefined) t.pid = pid;
      t.ports = Object.fromEntries((p?.spec.containers[0]?.ports ?? []).map((port) => [port.name ?? String(port.containerPort), port.containerPort]));
      if (back && listeners.length > 0) {
        o.say(`${t.name} is ready (pod ${t.pod}, container pid ${t.pid})`);
        for (const l of listeners) l(t.name);
      }
    }
  };
  await refresh();
  let polling = true;
  const poll = async () => {
    while (polling) {
      await refresh().catch(() => undefined);
      await new Promise((r) => setTimeout(r, 1000));
    }
  };
  const poller = poll();

  const at = (name: string, port: string) => {
    const t = tracked.get(name);
    if (!t?.ip || !t.ports[port]) throw new Error(`${name} (${t?.pod ?? 'no pod'}) has no address or no ${port} port`);
    return `${t.ip}:${t.ports[port]}`;
  };
  const gatewayNames = [...names.keys()].filter((n) => n.startsWith('gateway'));
  const sims = [...names.keys()].filter((n) => n.startsWith('sim-'));
  o.say(`cluster ready: ${sims.length} model-server pods, ${gatewayNames.length} gateways (${gatewayNames.map((g) => at(g, 'http')).join(', ')}); Kafka ${bootstrap}`);
  return {
    model,
    // The demo's gateway has no tenant keys and its pods no LoRA adapter.
    mix: { tenants: false, lora: false },
    gateways: gatewayNames.map((name) => ({ name, url: `http://${at(name, 'http')}` })),
    pods: sims,
    bootstrap,
    broker: {
      start: async () => {
        await startBroker(brokerOptions);
        await waitForBrokerServing(bootstrap);
      },
      stop: async () => {
        await stopBroker(brokerOptions);
      },
    },
    processes: {
      pidOf: (name) => tracked.get(name)?.pid,
      kill: async (name, signal) => {
        const pid = tracked.get(name)?.pid;
        if (pid === undefined) throw new Error(`no container process for ${name}`);
        process.kill(pid, signal);
      },
    },
    services: [...tracked.values()].map((t) => ({
      name: t.name,
      metricsUrl: `http://${at(t.name, t.name.startsWith('sim-') ? 'http' : 'ops')}/metrics`,
      pid: () => tracked.get(t.name)?.pid,
      gateway: t.name.startsWith('gateway'),
    })),
    schedulerMetricsUrl: `http://${at('scheduler', 'ops')}/metrics`,
    cacheManager: at('cache-manager', 'grpc'),
    kvPods: async () =>
      sims.map((name) => {
        const t = tracked.get(name) as Tracked;
        return { id: podEndpointId({ namespace: DEMO_NAMESPACE, name: t.pod }, 0, 1), replayEndpoint: `tcp://${at(name, kvReplayPortName(0))}` };
      }),
    waitReady: async (timeoutMs) => {
      for (const end = Date.now() + timeoutMs; ; ) {
        await refresh();
        const down = [...tracked.values()].filter((t) => !t.ready).map((t) => t.name);
        if (down.length === 0) return;
        if (Date.now() > end) throw new Error(`not ready within ${timeoutMs} ms: ${down.join(', ')}`);
        await new Promise((r) => setTimeout(r, 1000));
      }
    },
    onReady: (listener) => listeners.push(listener),
    teardown: async () => {
      polling = false;
      await poller;
      // The broker is the cluster's: left running (started again if the run ended inside an outage).
      if (!brokerStatus({ dir: layout.kafka }).running) await startBroker(brokerOptions).catch(() => undefined);
      await undo();
    },
    logs: layout.logs,
  };
}
