// A cluster's ports, fixed when it is made and kept in cluster.json: etcd's peer address is written
// into its data, so etcd keeps its ports for the life of the data; the apiserver may move (--port).
import { ClusterError } from './cluster.error';
import { DEFAULT_API_PORT } from './cluster-layout';

export interface ClusterConfig {
  apiPort: number;
  etcdClientPort: number;
  etcdPeerPort: number;
  /** Node agents started by the last `up`. */
  nodes: number;
}

export interface ClusterWanted {
  /** --port, when given. */
  port?: number;
  nodes: number;
}

/** The ports for this `up`: a new cluster puts etcd on the two ports after the apiserver's. */
export function resolveClusterConfig(stored: ClusterConfig | undefined, wanted: ClusterWanted): ClusterConfig {
  if (stored) {
    const apiPort = wanted.port ?? stored.apiPort;
    if (apiPort === stored.etcdClientPort || apiPort === stored.etcdPeerPort) {
      throw new ClusterError('LLMD_CLUSTER_PORT_IN_USE', `--port ${apiPort} is one of this cluster's etcd ports (${stored.etcdClientPort}, ${stored.etcdPeerPort}); choose another`);
    }
    return { ...stored, apiPort, nodes: wanted.nodes };
  }
  const apiPort = wanted.port ?? DEFAULT_API_PORT;
  if (apiPort + 2 > 65535) throw new ClusterError('LLMD_CLUSTER_PORT_IN_USE', `--port ${apiPort} leaves no room for etcd on the two ports after it; choose a port up to 65533`);
  return { apiPort, etcdClientPort: apiPort + 1, etcdPeerPort: apiPort + 2, nodes: wanted.nodes };
}

function isPort(v: unknown): v is number {
  return typeof v === 'number' && Number.isInteger(v) && v > 0 && v <= 65535;
}

/** Reads cluster.json's text; a file that is not ours is refused by name, never half-used. */
export function parseClusterConfig(text: string, file: string): ClusterConfig {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new ClusterError('LLMD_CLUSTER_BAD_STATE', `${file} is not JSON (${(err as Error).message}); remove the cluster with \`tools/llmd cluster down --purge\` or start it with --fresh`);
  }
  const c = raw as Partial<Record<keyof ClusterConfig, unknown>>;
  const bad = (['apiPort', 'etcdClientPort', 'etcdPeerPort'] as const).find((k) => !isPort(c?.[k]));
  if (bad !== undefined) throw new ClusterError('LLMD_CLUSTER_BAD_STATE', `${file}: ${bad} must be a port number, got ${JSON.stringify(c?.[bad])}`);
  const nodes = typeof c.nodes === 'number' && Number.isInteger(c.nodes) && c.nodes >= 0 ? c.nodes : 0;
  return { apiPort: c.apiPort as number, etcdClientPort: c.etcdClientPort as number, etcdPeerPort: c.etcdPeerPort as number, nodes };
}
