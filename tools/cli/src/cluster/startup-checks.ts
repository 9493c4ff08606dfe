// What `cluster up` checks before and while it starts processes: the binaries are built, the ports are
// free, and each started process is still alive while it waits (a dead one is reported with its log).
import { existsSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { ClusterError } from './cluster.error';
import { CONTROL_PLANE_BINARIES, K8S_BIN, NODE_AGENT_MAIN } from './cluster-layout';
import { isRunning, ProcessRecord } from './process-record';

export function checkBinaries(nodes: number, bin = K8S_BIN, nodeAgent = NODE_AGENT_MAIN): void {
  const missing = CONTROL_PLANE_BINARIES.filter((b) => !existsSync(join(bin, b)));
  if (missing.length > 0) {
    throw new ClusterError('LLMD_CLUSTER_MISSING_BINARY', `${missing.map((b) => join(bin, b)).join(', ')} ${missing.length === 1 ? 'is' : 'are'} missing: run \`bash tools/k8s/build.sh\` (it builds them from the Go module proxy once)`);
  }
  if (nodes > 0 && !existsSync(nodeAgent)) {
    throw new ClusterError('LLMD_CLUSTER_MISSING_NODE_AGENT', `the node agent ${nodeAgent} is missing: build it with \`node tools/build.mjs\`, or start the control plane alone with --nodes 0`);
  }
}

/** Refuses a port something already listens on, naming it and what it was meant for. */
export async function assertPortsFree(ports: readonly { port: number; what: string; fix: string }[]): Promise<void> {
  for (const { port, what, fix } of ports) {
    const error = await new Promise<NodeJS.ErrnoException | undefined>((resolve) => {
      const server = createServer();
      server.once('error', (err: NodeJS.ErrnoException) => resolve(err));
      server.listen(port, '127.0.0.1', () => server.close(() => resolve(undefined)));
    });
    if (error?.code === 'EADDRINUSE') throw new ClusterError('LLMD_CLUSTER_PORT_IN_USE', `port ${port} on 127.0.0.1 (${what}) is in use by another process; ${fix}`);
    if (error) throw new ClusterError('LLMD_CLUSTER_PORT_IN_USE', `cannot listen on 127.0.0.1:${port} (${what}): ${error.message}`);
  }
}

/** The last lines of a log, for an error message. */
export function logTail(file: string, lines = 15): string {
  try {
    return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

/**
 * Polls `ready` every 250 ms until it holds. Fails as soon as one of `watched` has exited (with the end
 * of its log), or after `ms` (naming what it waited for and the logs to read).
 */
export async function waitUntil(what: string, ready: () => Promise<boolean>, watched: readonly ProcessRecord[], ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  for (;;) {
    const dead = watched.find((r) => !isRunning(r));
    if (dead) throw new ClusterError('LLMD_CLUSTER_START_FAILED', `${dead.name} exited while waiting for ${what}; the end of ${dead.log}:\n${logTail(dead.log)}`);
    if (await ready().catch(() => false)) return;
    if (Date.now() >= deadline) throw new ClusterError('LLMD_CLUSTER_START_FAILED', `${what}: not within ${Math.round(ms / 1000)} s; see the logs: ${watched.map((r) => r.log).join(', ')}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}
