// Stops a cluster's recorded processes in the reverse of their start (node agents first, so they can
// stop their pods while the apiserver still answers; etcd last), then optionally removes its directory.
import { existsSync, readdirSync, rmSync } from 'node:fs';
import { ClusterError } from './cluster.error';
import { clusterLayout, ClusterLayout } from './cluster-layout';
import { ProcessRecord, readRecords, stopProcess } from './process-record';
import { stopBroker } from '../kafka/kafka-broker';

const CONTROL_PLANE_STOP_ORDER = ['kube-scheduler', 'kube-controller-manager', 'kube-apiserver', 'etcd'];
/** A node agent stops its pods within their grace periods (30 s by default) before it exits itself. */
export const NODE_AGENT_GRACE_MS = 45000;
export const CONTROL_PLANE_GRACE_MS = 15000;

/** The records in stop order: anything not of the control plane (the node agents) first. */
export function stopOrder(records: readonly ProcessRecord[]): ProcessRecord[] {
  const rank = (r: ProcessRecord) => CONTROL_PLANE_STOP_ORDER.indexOf(r.name);
  return [...records].sort((a, b) => rank(a) - rank(b) || b.name.localeCompare(a.name));
}

/** Stops every recorded process and removes the records; returns what each took. */
export async function stopAll(layout: ClusterLayout, log: (line: string) => void = () => undefined): Promise<{ name: string; pid: number; outcome: string }[]> {
  const done: { name: string; pid: number; outcome: string }[] = [];
  for (const record of stopOrder([...readRecords(layout.run).values()])) {
    const grace = CONTROL_PLANE_STOP_ORDER.includes(record.name) ? CONTROL_PLANE_GRACE_MS : NODE_AGENT_GRACE_MS;
    const outcome = await stopProcess(record, grace);
    if (outcome !== 'not running') log(`${record.name} (pid ${record.pid}) ${outcome === 'killed' ? `killed after ${grace / 1000} s without exiting on SIGTERM` : 'stopped'}`);
    done.push({ name: record.name, pid: record.pid, outcome });
    rmSync(layout.record(record.name), { force: true });
  }
  // The broker `up` started, if any: after the node agents (its clients), before nothing else needs it.
  if (existsSync(layout.kafka) && (await stopBroker({ dir: layout.kafka }))) {
    log('kafka stopped');
    done.push({ name: 'kafka', pid: 0, outcome: 'stopped' });
  }
  return done;
}

/** Refuses to remove a folder `llmd cluster` did not make (a non-empty one without cluster.json). */
export function assertPurgeable(layout: ClusterLayout): void {
  if (existsSync(layout.dir) && !existsSync(layout.config) && readdirSync(layout.dir).length > 0) {
    throw new ClusterError('LLMD_CLUSTER_BAD_STATE', `${layout.dir} holds no cluster.json: not removing a folder llmd cluster did not make`);
  }
}

export function purgeDir(layout: ClusterLayout): void {
  assertPurgeable(layout);
  rmSync(layout.dir, { recursive: true, force: true });
}

export async function clusterDown(dir: string, purge: boolean, log: (line: string) => void): Promise<{ stopped: number }> {
  const layout = clusterLayout(dir);
  if (purge) assertPurgeable(layout);
  const done = await stopAll(layout, log);
  if (purge) purgeDir(layout);
  return { stopped: done.filter((d) => d.outcome !== 'not running').length };
}
