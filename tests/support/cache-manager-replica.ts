// A further cache-manager replica for a test stack: the same built entry point and pods as the
// stack's own, on its own ports, started and killed by the test (the stack runs one replica).
import { ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { DIST, freePorts, LocalStack, nodeFlagsFor } from '@llmd/cli';

export interface Replica {
  grpcPort: number;
  opsPort: number;
  child: ChildProcess;
  logs: string[];
  exited: Promise<number | null>;
}

/** The KV-event sources the stack's cache-manager is given (LocalStack's rule: every pod with ports). */
export function stackKvPods(stack: LocalStack): { id: string; models: string[]; kvEvents: { endpoint: string; replayEndpoint: string } }[] {
  return (stack.options.ports.simKvEvents ?? []).map(([pub, replay], i) => ({
    id: `sim-${i}`,
    models: [stack.options.model],
    kvEvents: { endpoint: `tcp://127.0.0.1:${pub}`, replayEndpoint: `tcp://127.0.0.1:${replay}` },
  }));
}

export async function startCacheManagerReplica(stack: LocalStack, env: Record<string, string>, timeoutMs = 60000): Promise<Replica> {
  const [grpcPort, opsPort] = await freePorts(2);
  const child = spawn(process.execPath, [...nodeFlagsFor('cache-manager'), join(DIST, 'apps', 'cache-manager', 'src', 'main.js')], {
    env: {
      ...process.env,
      ...stack.options.env,
      ...env,
      LLMD_KAFKA_BROKERS: stack.options.kafkaBootstrap,
      LLMD_CACHE_MANAGER_GRPC_PORT: String(grpcPort),
      LLMD_CACHE_MANAGER_OPS_PORT: String(opsPort),
      LLMD_CACHE_MANAGER_PODS: JSON.stringify(stackKvPods(stack)),
      OTEL_SERVICE_NAME: 'llmd-cache-manager-2',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const logs: string[] = [];
  for (const stream of [child.stdout, child.stderr]) if (stream) createInterface({ input: stream }).on('line', (l) => logs.push(l));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const replica = { grpcPort, opsPort, child, logs, exited };
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`cache-manager replica exited with code ${child.exitCode}:\n${logs.slice(-10).join('\n')}`);
    const ok = await fetch(`http://127.0.0.1:${opsPort}/readyz`, { signal: AbortSignal.timeout(1000) }).then((r) => r.ok).catch(() => false);
    if (ok) return replica;
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`cache-manager replica not ready after ${timeoutMs} ms:\n${logs.slice(-10).join('\n')}`);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** The pods a cache-manager says it ingests (its llmd_cache_manager_ingest_owner gauge). */
export async function ingestedPods(opsPort: number): Promise<string[]> {
  const text = await (await fetch(`http://127.0.0.1:${opsPort}/metrics`)).text();
  return text
    .split('\n')
    .filter((l) => l.startsWith('llmd_cache_manager_ingest_owner{') && l.endsWith(' 1'))
    .map((l) => /pod="([^"]*)"/.exec(l)?.[1] ?? '')
    .sort();
}
