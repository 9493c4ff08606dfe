// Loopback latency and loss (tc netem) in a network namespace the soak makes for itself. The soak
// re-runs itself under `unshare -rn` (a user and network namespace: no root needed), so the stack,
// Kafka and the client all talk over that namespace's own loopback, which the soak may shape.
import { spawnSync } from 'node:child_process';

export const NETEM = { delayMs: 20, jitterMs: 10, lossPercent: 1 } as const;
export const IN_NETNS_ENV = 'LLMD_SOAK_IN_NETNS';

/** Whether netem can be used, and if not, why (said at start). */
export function probeNetem(): { available: boolean; reason: string } {
  // Inside a throwaway namespace: nothing outside it is touched.
  const r = spawnSync('unshare', ['-rn', 'sh', '-c', 'ip link set lo up && tc qdisc add dev lo root netem delay 1ms'], { encoding: 'utf8', timeout: 10000 });
  if (r.error) return { available: false, reason: `unshare could not run (${r.error.message})` };
  if (r.status === 0) return { available: true, reason: `netem on the loopback of the soak's own network namespace: ${NETEM.delayMs}±${NETEM.jitterMs} ms delay, ${NETEM.lossPercent}% loss` };
  const why = (r.stderr || r.stdout).trim().split('\n').pop() ?? `exit ${r.status}`;
  return { available: false, reason: `tc netem is not available on this machine (${why}); the network fault is skipped` };
}

/** The command line that re-runs this process inside a fresh user + network namespace with lo up. */
export function inNamespace(argv: readonly string[]): { cmd: string; args: string[] } {
  const quoted = argv.map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ');
  return { cmd: 'unshare', args: ['-rn', 'sh', '-c', `ip link set lo up && exec ${quoted}`] };
}

/** Applies (or removes) the netem qdisc on this namespace's loopback; throws with tc's message. */
export function setNetem(on: boolean): void {
  const args = on ? ['qdisc', 'add', 'dev', 'lo', 'root', 'netem', 'delay', `${NETEM.delayMs}ms`, `${NETEM.jitterMs}ms`, 'loss', `${NETEM.lossPercent}%`] : ['qdisc', 'del', 'dev', 'lo', 'root'];
  const r = spawnSync('tc', args, { encoding: 'utf8', timeout: 10000 });
  if (r.status !== 0) throw new Error(`tc ${args.join(' ')}: ${(r.stderr || r.error?.message || '').trim()}`);
}
