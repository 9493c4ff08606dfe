// Pick latency and throughput: in-process (the scheduling framework alone) and over gRPC (the real
// scheduler process on loopback), for 10 / 100 / 1000 endpoints and 1k / 8k / 32k-token prompts,
// with the approximate and the precise prefix profile; and the approximate index's memory.
import { ChildProcess, spawn } from 'node:child_process';
import { createServer, Server } from 'node:http';
import { join } from 'node:path';
import { credentials, Metadata } from '@grpc/grpc-js';
import { schedulerv1 } from '@llmd/proto';
import { buildPipeline, Endpoint, PluginRegistry, registerBuiltinPlugins, Scheduler, SHIPPED_CONFIGS } from '@llmd/scoring';
import { LruChunkIndex } from '@llmd/prefix-hash';
import { PickStreamPool } from '@llmd/platform';
import pino from 'pino';
import { defineCommand, freePorts, nodeFlagsFor, parseOrExit } from '@llmd/cli';
import { collector, cpuSeconds, memoryInUse } from './proc';
import { printTable } from './table';

const DIST = join(__dirname, '..', '..', '..');
const MODEL = 'bench-model';
const TOKEN_SIZES = [1024, 8192, 32768];
const CHARS_PER_TOKEN = 4;

export const command = defineCommand({
  name: 'llmd bench pick',
  summary: 'Pick latency and throughput, in-process and over gRPC (the real scheduler process)',
  details: 'Every shape by default; --transport, --profile, --endpoints and --tokens narrow a run to the shapes that match.',
  flags: {
    iterations: { type: 'integer', min: 1, default: '400', description: 'Picks measured per shape' },
    'in-process-only': { type: 'boolean', conflicts: ['grpc-only'], description: 'skip the gRPC shapes' },
    'grpc-only': { type: 'boolean', description: 'skip the in-process shapes' },
    transport: { type: 'string', choices: ['stream', 'unary'], description: 'only this gRPC transport' },
    profile: { type: 'string', choices: ['approx-prefix', 'precise-prefix'], description: 'only this scheduling profile' },
    endpoints: { type: 'integer', choices: ['10', '100', '1000'], description: 'only this many endpoints' },
    tokens: { type: 'integer', choices: TOKEN_SIZES.map(String), description: 'only prompts of this many tokens' },
  },
});

function endpoints(n: number): Endpoint[] {
  return Array.from({ length: n }, (_, i) => ({
    id: `e-${i}`, address: `10.0.${i >> 8}.${i & 255}:8000`, models: [MODEL], loraAdapters: [], role: 'both' as const, labels: {},
    metrics: { waiting: i % 7, running: (i * 3) % 50, kvCacheUsage: (i % 10) / 10, scrapedAtMs: Date.now() + 3.6e6 }, inFlight: i % 5, healthy: true,
  }));
}

/** A prompt sharing a long system prefix with its siblings, of about `tokens` tokens. */
function prompt(tokens: number, i: number): string {
  const chars = tokens * CHARS_PER_TOKEN;
  const system = 'You are a helpful assistant for the llmd benchmark. '.repeat(Math.ceil((chars * 0.75) / 52)).slice(0, Math.floor(chars * 0.75));
  return system + ` user question ${i}: `.repeat(Math.ceil((chars * 0.25) / 20)).slice(0, chars - system.length);
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

async function inProcess(profile: 'approx-prefix' | 'precise-prefix', n: number, tokens: number, iterations: number) {
  const eps = endpoints(n);
  const prefixCache = { score: async (_r: unknown, ids: readonly string[]) => new Map(ids.map((id, i) => [id, (i % 3) / 3])) };
  const scheduler = new Scheduler(buildPipeline(SHIPPED_CONFIGS[profile], registerBuiltinPlugins(new PluginRegistry()), { random: Math.random, now: Date.now, prefixCache }));
  const prompts = Array.from({ length: 16 }, (_, i) => prompt(tokens, i));
  for (let i = 0; i < 50; i++) await scheduler.schedule({ requestId: `w${i}`, model: MODEL, prompt: prompts[i % 16], priority: 0 }, eps);
  const lat: number[] = [];
  const start = performance.now();
  for (let i = 0; i < iterations; i++) {
    const t = performance.now();
    await scheduler.schedule({ requestId: `r${i}`, model: MODEL, prompt: prompts[i % 16], priority: 0 }, eps);
    lat.push(performance.now() - t);
  }
  const secs = (performance.now() - start) / 1000;
  lat.sort((a, b) => a - b);
  return { p50: percentile(lat, 50), p99: percentile(lat, 99), perSec: iterations / secs };
}

function metricsStub(): Promise<{ server: Server; port: number }> {
  const body = '# TYPE vllm:num_requests_waiting gauge\nvllm:num_requests_waiting{model_name="bench-model"} 1\nvllm:num_requests_running{model_name="bench-model"} 4\nvllm:kv_cache_usage_perc{model_name="bench-model"} 0.3\n';
  const server = createServer((_req, res) => res.end(body));
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({ server, port: (server.address() as { port: number }).port })));
}

async function overGrpc(profile: string, n: number, tokens: number, iterations: number, transport: 'unary' | 'stream') {
  const stub = await metricsStub();
  const [grpcPort] = await freePorts(1);
  const eps = Array.from({ length: n }, (_, i) => ({ id: `e-${i}`, address: `127.0.0.1:${stub.port}`, models: [MODEL] }));
  const child: ChildProcess = spawn(process.execPath, [...nodeFlagsFor('scheduler'), join(DIST, 'apps/scheduler/src/main.js')], {
    stdio: ['ignore', 'ignore', 'inherit'],
    env: {
      ...process.env, OTEL_SDK_DISABLED: 'true', LLMD_LOG_LEVEL: 'error', LLMD_KAFKA_BROKERS: '127.0.0.1:1', LLMD_SCHEDULER_GRPC_PORT: String(grpcPort), LLMD_SCHEDULER_OPS_PORT: '0',
      LLMD_SCHEDULER_ENDPOINTS: JSON.stringify(eps), LLMD_SCHEDULER_PROFILE: profile, LLMD_SCHEDULER_SCRAPE_INTERVAL_MS: '1000', LLMD_SCHEDULER_STALE_AFTER_MS: '10000',
    },
  });
  const client = new schedulerv1.SchedulerClient(`127.0.0.1:${grpcPort}`, credentials.createInsecure(), { 'grpc.enable_retries': 0 });
  // The gateway's own client: Picks multiplexed over 4 PickStream calls (its default), or one unary call each.
  const streams = new PickStreamPool(client, 4, pino({ level: 'silent' }));
  const unary = (i: number, p: string) =>
    new Promise<schedulerv1.PickResponse>((resolve, reject) =>
      client.pick(schedulerv1.PickRequest.fromPartial({ requestId: `g${i}`, model: MODEL, prompt: p }), new Metadata(), { deadline: new Date(Date.now() + 5000) }, (err, res) => (err || !res ? reject(err) : resolve(res))),
    );
  const picked = transport === 'unary' ? unary : (i: number, p: string) => streams.pick(schedulerv1.PickRequest.fromPartial({ requestId: `g${i}`, model: MODEL, prompt: p }), 5000, {});
  // Each request ends right after its Pick, as the gateway reports it: on the stream, the completion
  // rides on the next Pick; unary, a fire-and-forget Complete. Without it the scheduler's in-flight
  // leases would pile up through the run, which no real caller does.
  const complete = (i: number) =>
    transport === 'unary' ? client.complete({ requestId: `g${i}` }, new Metadata(), { deadline: new Date(Date.now() + 5000) }, () => undefined) : streams.complete(`g${i}`);
  const pick = async (i: number, p: string) => {
    const res = await picked(i, p);
    complete(i);
    return res;
  };
  try {
    const prompts = Array.from({ length: 16 }, (_, i) => prompt(tokens, i));
    // Wait until every endpoint has been scraped once.
    for (let tries = 0; ; tries++) {
      const r = await pick(-1, prompts[0]).catch(() => undefined);
      if (r?.target && (await new Promise<number>((res) => client.listEndpoints({}, (e, l) => res(e || !l ? 0 : l.endpoints.filter((x) => x.healthy).length)))) === n) break;
      if (tries > 100) throw new Error('scheduler did not become ready');
      await new Promise((r) => setTimeout(r, 100));
    }
    for (let i = 0; i < 50; i++) await pick(i, prompts[i % 16]);
    const lat: number[] = [];
    for (let i = 0; i < iterations; i++) {
      const t = performance.now();
      await pick(i, prompts[i % 16]);
      lat.push(performance.now() - t);
    }
    lat.sort((a, b) => a - b);
    // Throughput with 32 Picks in flight, and the scheduler's own CPU time per Pick (its Picks/s on one core).
    let done = 0;
    const cpuBefore = cpuSeconds(child.pid);
    const started = performance.now();
    const end = Date.now() + 2000;
    await Promise.all(Array.from({ length: 32 }, async (_, w) => {
      for (let i = 0; Date.now() < end; i++, done++) await pick(w * 1e6 + i, prompts[i % 16]);
    }));
    const secs = (performance.now() - started) / 1000;
    const cpu = cpuSeconds(child.pid) - cpuBefore;
    return { p50: percentile(lat, 50), p99: percentile(lat, 99), perSec: done / secs, perCoreSec: cpu > 0 ? done / cpu : NaN };
  } finally {
    streams.close();
    client.close();
    child.kill('SIGKILL');
    stub.server.close();
  }
}

function indexMemoryMb(capacityPerEndpoint: number, endpointsCount: number): number {
  const gc = collector();
  gc();
  // The index keeps its hashes in typed arrays: their memory is outside the JS heap (arrayBuffers).
  const used = memoryInUse;
  const before = used();
  const idx = new LruChunkIndex(capacityPerEndpoint);
  for (let e = 0; e < endpointsCount; e++) {
    const hashes = Array.from({ length: capacityPerEndpoint }, (_, i) => e * 1e7 + i);
    idx.add(`e-${e}`, hashes);
  }
  gc();
  const mb = (used() - before) / 1e6;
  if (idx.size() === 0) throw new Error('unreachable');
  return mb;
}

async function main(): Promise<void> {
  const { values } = parseOrExit(command);
  const grpc = !values['in-process-only'];
  const inProc = !values['grpc-only'];
  const iterations = values.iterations;
  // Narrow a run to the shapes that match the filters given.
  const keep = (name: 'transport' | 'profile' | 'endpoints' | 'tokens', value: string | number) => values[name] === undefined || String(values[name]) === String(value);
  const rows: (string | number)[][] = [];
  for (const profile of inProc ? (['approx-prefix', 'precise-prefix'] as const) : []) {
    for (const n of [10, 100, 1000]) {
      for (const tokens of TOKEN_SIZES) {
        if (!keep('profile', profile) || !keep('endpoints', n) || !keep('tokens', tokens)) continue;
        const r = await inProcess(profile, n, tokens, iterations);
        rows.push(['in-process', profile, n, tokens, r.p50.toFixed(3), r.p99.toFixed(3), r.perSec.toFixed(0), r.perSec.toFixed(0)]);
      }
    }
  }
  if (grpc) {
    for (const transport of ['stream', 'unary'] as const) {
      for (const profile of ['approx-prefix', 'precise-prefix']) {
        for (const [n, tokens] of [[10, 1024], [100, 8192], [1000, 8192], [100, 32768]]) {
          if (!keep('transport', transport) || !keep('profile', profile) || !keep('endpoints', n) || !keep('tokens', tokens)) continue;
          const r = await overGrpc(profile, n, tokens, iterations, transport);
          rows.push([`gRPC ${transport}`, profile, n, tokens, r.p50.toFixed(3), r.p99.toFixed(3), r.perSec.toFixed(0), r.perCoreSec.toFixed(0)]);
        }
      }
    }
  }
  process.stdout.write('Pick latency (ms) and throughput; precise in-process = an index answering in-process; over gRPC = the real scheduler process on loopback, no cache-manager (precise falls back behind the circuit breaker); stream = PickStream (the gateway default), unary = one Pick call each; every Pick is completed after it returns, as the gateway does; latency is measured one Pick at a time, throughput with 32 in flight; picks per scheduler CPU-second = Picks done over the CPU time of the scheduler process (what one core of it sustains while the load generator shares the machine)\n\n');
  printTable(['path', 'profile', 'endpoints', 'prompt tokens', 'p50 ms', 'p99 ms', 'picks/s', 'picks per scheduler CPU-second'], rows);
  process.stdout.write(`\napproximate index at its default capacity (31,250 chunk hashes per endpoint): ${(indexMemoryMb(31250, 10) / 10).toFixed(2)} MB per endpoint\n`);
}

if (require.main === module) void main();
