// The local endpoint registry: one JSON file per simulated pod under .llmd/registry, written while
// the pod runs, so the local stack's scheduler (LLMD_SCHEDULER_REGISTRY_DIR) finds pods started later.
import { mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { STATE_DIR } from '../paths';

export const REGISTRY_DIR = join(STATE_DIR, 'registry');

function flag(args: string[], name: string): string | undefined {
  const i = args.findIndex((a) => a === name || a.startsWith(`${name}=`));
  if (i < 0) return undefined;
  return args[i].includes('=') ? args[i].slice(args[i].indexOf('=') + 1) : args[i + 1];
}

/** Writes the registry file of `sim serve <model> [flags]`; returns what removes it. */
export function registerSim(args: string[], dir = REGISTRY_DIR): () => void {
  const [, model] = args;
  if (args[0] !== 'serve' || !model || model.startsWith('-')) return () => undefined;
  const port = Number(flag(args, '--port') ?? 8000);
  const names: string[] = [];
  const at = args.indexOf('--served-model-name');
  for (let i = at + 1; at >= 0 && i < args.length && !args[i].startsWith('--'); i++) names.push(args[i]);
  let role = 'both';
  try {
    const kv = JSON.parse(flag(args, '--kv-transfer-config') ?? '{}') as { kv_role?: string };
    role = kv.kv_role === 'kv_producer' ? 'prefill' : kv.kv_role === 'kv_consumer' ? 'decode' : 'both';
  } catch {
    // the simulator itself reports a bad --kv-transfer-config
  }
  const id = `sim-${port}`;
  const file = join(dir, `${id}.json`);
  mkdirSync(dir, { recursive: true });
  let kvEvents: { endpoint: string; replayEndpoint?: string } | undefined;
  try {
    const ev = JSON.parse(flag(args, '--kv-events-config') ?? '{}') as { enable_kv_cache_events?: boolean; endpoint?: string; replay_endpoint?: string };
    const local = (e: string) => e.replace('*', '127.0.0.1');
    if (ev.enable_kv_cache_events) kvEvents = { endpoint: local(ev.endpoint ?? 'tcp://*:5557'), replayEndpoint: ev.replay_endpoint ? local(ev.replay_endpoint) : undefined };
  } catch {
    // the simulator itself reports a bad --kv-events-config
  }
  writeFileSync(file, JSON.stringify({ id, address: `127.0.0.1:${port}`, models: names.length > 0 ? names : [model], role, kvEvents }));
  return () => rmSync(file, { force: true });
}

/** One endpoint as the scheduler (and the cache-manager) read it from a registry file. */
export interface RegistryEntry {
  id: string;
  address: string;
  models: string[];
  role: 'both' | 'prefill' | 'decode';
  labels?: Record<string, string>;
  /** LoRA adapters the pod serves (requests may name them as their model). */
  loraAdapters?: string[];
  kvEvents?: { endpoint: string; replayEndpoint?: string };
}

/** Writes `<dir>/<id>.json` whole (a temporary file renamed over it: a poll never reads half a file). */
export function writeRegistryEntry(dir: string, entry: RegistryEntry): void {
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${entry.id}.json`);
  writeFileSync(`${file}.tmp`, JSON.stringify(entry));
  renameSync(`${file}.tmp`, file);
}

export function removeRegistryEntry(dir: string, id: string): void {
  rmSync(join(dir, `${id}.json`), { force: true });
}
