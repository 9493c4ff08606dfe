// Where a local cluster keeps its state: one directory holds etcd's data, the keys and tokens made
// once, the apiserver's self-signed certificate, each process's pid record and log, and the node
// agents' state. Pure: names paths, touches nothing.
import { join } from 'node:path';
import { DIST, REPO_ROOT, STATE_DIR } from '../paths';

/** The apiserver's port when neither --port nor an existing cluster says otherwise. */
export const DEFAULT_API_PORT = 6443;
/** ClusterIPs are allocated on loopback, so the node agent can listen on them without root or iptables. */
export const SERVICE_CIDR = '127.96.0.0/16';
/** Node i's pods get addresses from 127.i.0.0/16; 127.96/16 is the Services', so nodes stop well before. */
export const MAX_NODES = 16;

/** The control plane's binaries, built by tools/k8s/build.sh (always under the repository, like the tests'). */
export const K8S_BIN = join(REPO_ROOT, '.llmd', 'k8s', 'bin');
export const CONTROL_PLANE_BINARIES = ['etcd', 'kube-apiserver', 'kube-controller-manager', 'kube-scheduler'] as const;
export type ControlPlaneBinary = (typeof CONTROL_PLANE_BINARIES)[number];

/** The lead-owned node agent, run from the build like every other llmd process. */
export const NODE_AGENT_MAIN = join(DIST, 'tools', 'cli', 'src', 'cluster', 'node-agent', 'node-agent.main.js');

/** --dir, else $LLMD_CLUSTER_DIR, else .llmd/cluster. */
export function clusterDir(flag: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  return flag ?? env.LLMD_CLUSTER_DIR ?? join(STATE_DIR, 'cluster');
}

export interface ClusterLayout {
  dir: string;
  /** Ports and identity of the cluster, written when it is made. */
  config: string;
  /** The admin kubeconfig users (and the node agents) are given. */
  kubeconfig: string;
  pki: string;
  saKey: string;
  saPub: string;
  tokens: string;
  /** The apiserver's --cert-dir: it makes its own CA and serving certificate there once. */
  certs: string;
  servingCert: string;
  /** The CA out of the apiserver's certificate bundle, for kube-root-ca.crt. */
  ca: string;
  etcdData: string;
  logs: string;
  run: string;
  /** The Kafka broker `up` starts when none is given (its data, config, log, pid). */
  kafka: string;
  nodes: string;
  componentKubeconfig(component: string): string;
  log(component: string): string;
  record(component: string): string;
  nodeState(node: string): string;
}

/** The Kafka broker `cluster up` starts when given none: on --port + 3 (its controller on + 4), data in the cluster's folder. */
export function clusterBrokerOptions(layout: ClusterLayout, apiPort: number): { port: number; dir: string } {
  return { port: apiPort + 3, dir: layout.kafka };
}

export function clusterLayout(dir: string): ClusterLayout {
  const pki = join(dir, 'pki');
  const certs = join(dir, 'certs');
  return {
    dir,
    config: join(dir, 'cluster.json'),
    kubeconfig: join(dir, 'kubeconfig'),
    pki,
    saKey: join(pki, 'sa.key'),
    saPub: join(pki, 'sa.pub'),
    tokens: join(pki, 'tokens.csv'),
    certs,
    servingCert: join(certs, 'apiserver.crt'),
    ca: join(pki, 'ca.crt'),
    etcdData: join(dir, 'etcd'),
    logs: join(dir, 'logs'),
    run: join(dir, 'run'),
    kafka: join(dir, 'kafka'),
    nodes: join(dir, 'nodes'),
    componentKubeconfig: (component) => join(pki, `${component}.kubeconfig`),
    log: (component) => join(dir, 'logs', `${component}.log`),
    record: (component) => join(dir, 'run', `${component}.json`),
    nodeState: (node) => join(dir, 'nodes', node),
  };
}

/** Node i (from 1): its name and the /16 its pods' loopback addresses come from. */
export function nodePlan(count: number): { name: string; podSubnet: string; serviceProxy: boolean }[] {
  if (!Number.isInteger(count) || count < 0 || count > MAX_NODES) throw new RangeError(`nodes must be an integer from 0 to ${MAX_NODES}, got ${count}`);
  return Array.from({ length: count }, (_, k) => ({ name: `llmd-node-${k + 1}`, podSubnet: `127.${k + 1}.0.0/16`, serviceProxy: k === 0 }));
}
