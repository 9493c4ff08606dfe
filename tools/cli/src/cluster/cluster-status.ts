// `llmd cluster status`: each recorded process (running or not, with its pid), the apiserver's /readyz
// and the Nodes the API knows with their Ready condition. Up means every control-plane process and
// every recorded node agent runs and /readyz answers ok.
import { existsSync } from 'node:fs';
import { readTokens } from './cluster-credentials';
import { stopOrder } from './cluster-down';
import { clusterLayout } from './cluster-layout';
import { adminTarget, CONTROL_PLANE, readClusterConfig, serverUrl } from './control-plane';
import { kubeGet, nodeReadiness } from './kube-get';
import { isRunning, readRecords } from './process-record';

export interface ComponentState {
  name: string;
  running: boolean;
  pid?: number;
  log?: string;
}

export interface ClusterStatus {
  dir: string;
  /** The directory holds a cluster (made by `up`). */
  exists: boolean;
  server?: string;
  kubeconfig?: string;
  components: ComponentState[];
  /** /readyz's answer, or why there was none. */
  readyz?: string;
  nodes?: { name: string; ready: string }[];
  up: boolean;
}

export async function clusterStatus(dir: string): Promise<ClusterStatus> {
  const layout = clusterLayout(dir);
  const config = readClusterConfig(layout);
  if (!config) return { dir, exists: false, components: [], up: false };
  const records = readRecords(layout.run);
  // Start order: the control plane, then the node agents.
  const names = [...CONTROL_PLANE, ...stopOrder([...records.values()]).filter((r) => !CONTROL_PLANE.includes(r.name)).map((r) => r.name).reverse()];
  const components = names.map((name) => {
    const r = records.get(name);
    return r && isRunning(r) ? { name, running: true, pid: r.pid, log: r.log } : { name, running: false, log: r?.log };
  });
  const result: ClusterStatus = { dir, exists: true, server: serverUrl(config), kubeconfig: existsSync(layout.kubeconfig) ? layout.kubeconfig : undefined, components, up: false };
  const target = adminTarget(layout, config, readTokens(layout));
  if (target && components.find((c) => c.name === 'kube-apiserver')?.running) {
    try {
      const readyz = await kubeGet(target, '/readyz');
      result.readyz = readyz.status === 200 ? 'ok' : `HTTP ${readyz.status}: ${readyz.body.trim().split('\n').filter((l) => l.startsWith('[-]')).join('; ') || readyz.body.trim()}`;
      const nodes = await kubeGet(target, '/api/v1/nodes');
      if (nodes.status === 200) result.nodes = nodeReadiness(nodes.body);
    } catch (err) {
      result.readyz = `no answer (${(err as Error).message})`;
    }
  }
  result.up = components.every((c) => c.running) && result.readyz === 'ok';
  return result;
}
