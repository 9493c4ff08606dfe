// `llmd cluster up|down|status|kubeconfig`: a real Kubernetes control plane on this machine, with
// llmd's node agents running pods of llmd's images as local processes (tools/cli/src/cluster/README.md).
import { existsSync } from 'node:fs';
import { defineCommand, FlagSpec } from '../args';
import { clusterDown } from '../cluster/cluster-down';
import { clusterDir, clusterLayout, DEFAULT_API_PORT, MAX_NODES, SERVICE_CIDR } from '../cluster/cluster-layout';
import { clusterStatus } from '../cluster/cluster-status';
import { clusterUp } from '../cluster/control-plane';
import { clusterDemo, DEMO_DEPLOYMENT, DEMO_NAMESPACE } from '../cluster/cluster-demo';
import { CliGroup, command } from './cli-command';

const dir = { type: 'string', valueName: 'DIR', description: 'the cluster\'s state directory (default: $LLMD_CLUSTER_DIR, else .llmd/cluster)' } as const satisfies FlagSpec;
const say = (line: string) => process.stdout.write(`${line}\n`);

const up = command(
  defineCommand({
    name: 'llmd cluster up',
    summary: 'start a local Kubernetes control plane and llmd\'s node agents in the background',
    details: [
      'Starts etcd, kube-apiserver (on 127.0.0.1), kube-controller-manager and kube-scheduler, built by',
      '`bash tools/k8s/build.sh`, then --nodes node agents (llmd-node-1, ...) that run pods of llmd\'s images',
      `as local processes, each pod on its own loopback address (node i: 127.i.0.0/16). Services get`,
      `ClusterIPs from ${SERVICE_CIDR}. Each process is detached, with its pid and log in the state directory;`,
      'etcd keeps the cluster\'s objects between ups (--fresh starts empty). It returns once the API is ready,',
      'the default ServiceAccount exists and every node is Ready; a cluster already up is left as it is.',
      'The admin kubeconfig is <dir>/kubeconfig: export KUBECONFIG=$(tools/llmd cluster kubeconfig).',
    ].join('\n'),
    flags: {
      nodes: { type: 'integer', min: 0, max: MAX_NODES, default: '1', description: 'node agents to start (0: the control plane alone; pods stay Pending)' },
      port: { type: 'integer', min: 1, max: 65533, valueName: 'PORT', description: `kube-apiserver's port (default: the cluster's own, else ${DEFAULT_API_PORT}; a new cluster's etcd takes the next two)` },
      dir,
      fresh: { type: 'boolean', description: 'remove the cluster\'s state first (its objects, keys and certificates) and make a new one' },
      kafka: { type: 'string', valueName: 'HOST:PORT', description: 'a running Kafka broker the pods reach as llmd-kafka-bootstrap:9092 (default: up starts one in the cluster\'s directory)' },
    },
  }),
  async ({ values }) => {
    const result = await clusterUp({ dir: clusterDir(values.dir), port: values.port, nodes: values.nodes, fresh: values.fresh, kafka: values.kafka }, say);
    if (result.already) {
      const differs = [
        ...(result.nodes !== values.nodes ? [`--nodes ${values.nodes}`] : []),
        ...(values.port !== undefined && result.server !== `https://127.0.0.1:${values.port}` ? [`--port ${values.port}`] : []),
      ];
      say(`the cluster is already up: API ${result.server}, ${result.nodes} node agent${result.nodes === 1 ? '' : 's'}${differs.length ? ` (run \`llmd cluster down\` first for ${differs.join(' ')})` : ''}`);
    } else {
      say(`cluster ready in ${result.seconds.toFixed(1)} s: API ${result.server}, ${result.nodes} node agent${result.nodes === 1 ? '' : 's'}`);
    }
    say(`export KUBECONFIG=${result.kubeconfig}`);
    return 0;
  },
);

const demo = command(
  defineCommand({
    name: 'llmd cluster demo',
    summary: 'the whole loop: a cluster, every chart, the brief\'s disaggregated example on vllm-sim, a streamed answer',
    details: [
      '`cluster up` (one node, a Kafka broker), then helm installs the CRDs and the operator, cache-manager,',
      `scheduler (pd profile), gateway (NodePort) and autoscaler charts into the ${DEMO_NAMESPACE} namespace, applies the brief's`,
      `${DEMO_DEPLOYMENT} example with simulated: true, waits for every Deployment and the example to be ready, and streams`,
      'one chat completion through the gateway. The cluster keeps running (`llmd cluster down` stops it); the last',
      'line is where to send requests: OPENAI_BASE_URL=http://ADDRESS:PORT/v1.',
    ].join('\n'),
    flags: {
      port: { type: 'integer', min: 1, max: 65533, valueName: 'PORT', description: `kube-apiserver's port (default: the cluster's own, else ${DEFAULT_API_PORT})` },
      dir,
      kafka: { type: 'string', valueName: 'HOST:PORT', description: 'a running Kafka broker (default: the cluster starts one)' },
    },
  }),
  async ({ values }) => {
    const result = await clusterDemo({ dir: clusterDir(values.dir), port: values.port, kafka: values.kafka }, say);
    say(`answered by ${result.model} through the gateway in ${result.secondsToFirstAnswer.toFixed(1)} s from the start: ${JSON.stringify(result.answer)}`);
    say(`export KUBECONFIG=${clusterLayout(clusterDir(values.dir)).kubeconfig}`);
    say(`OPENAI_BASE_URL=${result.baseUrl}`);
    return 0;
  },
);

const down = command(
  defineCommand({
    name: 'llmd cluster down',
    summary: 'stop every process the cluster runs (node agents first, etcd last); its data is kept unless --purge',
    details: 'Each gets SIGTERM, then SIGKILL if it has not exited after its grace (45 s for a node agent, which stops its pods first; 15 s for the others).',
    flags: { dir, purge: { type: 'boolean', description: 'also remove the state directory (the cluster\'s objects, keys, logs)' } },
  }),
  async ({ values }) => {
    const target = clusterDir(values.dir);
    const { stopped } = await clusterDown(target, values.purge, say);
    say(`${stopped > 0 ? `stopped ${stopped} process${stopped === 1 ? '' : 'es'}` : 'the cluster was not running'}${values.purge ? `; removed ${target}` : ''}`);
    return 0;
  },
);

const status = command(
  defineCommand({
    name: 'llmd cluster status',
    summary: 'each process of the cluster with its pid, the apiserver\'s /readyz and the Nodes (exit 1 when it is not up)',
    flags: { dir },
  }),
  async ({ values }) => {
    const s = await clusterStatus(clusterDir(values.dir));
    if (!s.exists) {
      say(`no cluster in ${s.dir} (run \`tools/llmd cluster up\`)`);
      return 1;
    }
    say(`cluster in ${s.dir}: ${s.up ? 'up' : 'NOT up'}, API ${s.server}`);
    const width = Math.max(...s.components.map((c) => c.name.length)) + 2;
    for (const c of s.components) {
      const extra = c.name === 'kube-apiserver' && c.running ? `, /readyz ${s.readyz ?? 'unknown'}` : '';
      say(`  ${c.name.padEnd(width)}${c.running ? `running (pid ${c.pid})${extra}` : `stopped${c.log ? ` (log ${c.log})` : ''}`}`);
    }
    if (s.nodes) say(s.nodes.length === 0 ? 'nodes: none' : `nodes:\n${s.nodes.map((n) => `  ${n.name.padEnd(width)}Ready=${n.ready}`).join('\n')}`);
    if (s.kubeconfig) say(`kubeconfig: ${s.kubeconfig}`);
    return s.up ? 0 : 1;
  },
);

const kubeconfig = command(
  defineCommand({
    name: 'llmd cluster kubeconfig',
    summary: 'print the path of the cluster\'s admin kubeconfig: export KUBECONFIG=$(tools/llmd cluster kubeconfig)',
    flags: { dir },
  }),
  async ({ values }) => {
    const file = clusterLayout(clusterDir(values.dir)).kubeconfig;
    if (!existsSync(file)) {
      process.stderr.write(`llmd cluster kubeconfig: ${file} does not exist: run \`tools/llmd cluster up${values.dir ? ` --dir ${values.dir}` : ''}\` first\n`);
      return 1;
    }
    say(file);
    return 0;
  },
);

export const clusterGroup: CliGroup = {
  kind: 'group',
  name: 'llmd cluster',
  summary: 'a local Kubernetes control plane whose node agents run llmd\'s pods as local processes',
  childNoun: 'command',
  children: { up: () => up, demo: () => demo, down: () => down, status: () => status, kubeconfig: () => kubeconfig },
};
