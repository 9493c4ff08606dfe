// Pick latency and throughput: in-process (the scheduling framework alone) and over gRPC (the real
// scheduler process on loopback), for 10 / 100 / 1000 endpoints and 1k / 8k / 32k-token prompts,
// with the approximate and the precise prefix profile; and the approximate index's memory.
import { ChildProcess, spawn } from 'node:child_process';
import { createServer, Server } from 'node:http';
import { join } from 'node:path';
import { credentials, Metadata } from '@grpc/grpc-js';
import { extprocv3, schedulerv1 } from '@llmd/proto';
import { buildPipeline, Endpoint, PluginRegistry, promptDigestSpecOf, registerBuiltinPlugins, Scheduler, SHIPPED_CONFIGS } from '@llmd/scoring';
import { digestPrompt, LruChunkIndex } from '@llmd/prefix-hash';
import { pickRequestOf, PickStreamPool } from '@llmd/platform';
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
    'no-floor': { type: 'boolean', description: 'skip the empty-handler floor beside each stream shape' },
    'no-ext-proc': { type: 'boolean', description: 'skip the Envoy ext_proc exchange (the same scheduler, asked as an Envoy gateway asks it) beside each stream shape' },
    json: { type: 'boolean', description: 'print one JSON object per shape (and one per target ratio), one per line, instead of the table' },
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
  // The request as the scheduler receives it from the gateway: the prompt's digest, and its text only
  // where the profile needs it.
  const spec = promptDigestSpecOf(SHIPPED_CONFIGS[profile]);
  const requests = prompts.map((p) => (spec ? { prompt: spec.needsText ? p : '', digest: digestPrompt(spec, MODEL, p) } : { prompt: p }));
  for (let i = 0; i < 50; i++) await scheduler.schedule({ requestId: `w${i}`, model: MODEL, ...requests[i % 16], priority: 0 }, eps);
  const lat: number[] = [];
  const start = performance.now();
  for (let i = 0; i < iterations; i++) {
    const t = performance.now();
    await scheduler.schedule({ requestId: `r${i}`, model: MODEL, ...requests[i % 16], priority: 0 }, eps);
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

interface GrpcTarget {
  /** One Pick of prompt `p`, completed right after it returns (as the gateway does). */
  pick(i: number, p: string): Promise<unknown>;
  /** Bytes of one PickStream message for prompt `p` (what goes on the wire per Pick). */
  messageBytes(p: string): number;
  pid: number | undefined;
  close(): void;
}

/**
 * The real scheduler process, or the floor (its service with an empty handler), on loopback; Picks
 * sent as the gateway sends them: over 4 PickStream calls (or one unary call each), the prompt as
 * the digest the target publishes (its text left out unless the profile needs it).
 */
async function startTarget(kind: 'scheduler' | 'floor', profile: string, n: number, transport: 'unary' | 'stream', metricsPort: number): Promise<GrpcTarget & { extProcPort: number }> {
  const [grpcPort, extProcPort] = await freePorts(2);
  const eps = Array.from({ length: n }, (_, i) => ({ id: `e-${i}`, address: `127.0.0.1:${metricsPort}`, models: [MODEL] }));
  const child: ChildProcess =
    kind === 'scheduler'
      ? spawn(process.execPath, [...nodeFlagsFor('scheduler'), join(DIST, 'apps/scheduler/src/main.js')], {
          stdio: ['ignore', 'ignore', 'inherit'],
          env: {
            ...process.env, OTEL_SDK_DISABLED: 'true', LLMD_LOG_LEVEL: 'error', LLMD_KAFKA_BROKERS: '127.0.0.1:1', LLMD_SCHEDULER_GRPC_PORT: String(grpcPort), LLMD_SCHEDULER_OPS_PORT: '0',
            LLMD_SCHEDULER_ENDPOINTS: JSON.stringify(eps), LLMD_SCHEDULER_PROFILE: profile, LLMD_SCHEDULER_SCRAPE_INTERVAL_MS: '1000', LLMD_SCHEDULER_STALE_AFTER_MS: '10000',
            // The endpoint picker for Envoy-based gateways, measured beside the PickStream.
            LLMD_SCHEDULER_EXT_PROC_ENABLED: 'true', LLMD_SCHEDULER_EXT_PROC_PORT: String(extProcPort),
          },
        })
      : spawn(process.execPath, [...nodeFlagsFor('scheduler'), join(DIST, 'tools/bench/src/pick-floor-server.js'), String(grpcPort), profile, String(n)], { stdio: ['ignore', 'ignore', 'inherit'] });
  const client = new schedulerv1.SchedulerClient(`127.0.0.1:${grpcPort}`, credentials.createInsecure(), { 'grpc.enable_retries': 0 });
  // The gateway's own client: Picks multiplexed over 4 PickStream calls (its default), or one unary call each.
  const streams = new PickStreamPool(client, 4, pino({ level: 'silent' }));
  let spec: schedulerv1.PromptDigestSpec | undefined;
  const requestOf = (i: number, p: string) => pickRequestOf({ requestId: `g${i}`, model: MODEL, prompt: p, messages: [], promptTokenIds: [], reportsFirstToken: true }, spec);
  const unary = (i: number, p: string) =>
    new Promise<schedulerv1.PickResponse>((resolve, reject) =>
      client.pick(requestOf(i, p), new Metadata(), { deadline: new Date(Date.now() + 5000) }, (err, res) => (err || !res ? reject(err) : resolve(res))),
    );
  const picked = transport === 'unary' ? unary : (i: number, p: string) => streams.pick(requestOf(i, p), 5000, {});
  // Each request ends right after its Pick, as the gateway reports it: on the stream, its first token
  // and its completion ride on the next Pick; unary, two fire-and-forget Completes. Without it the scheduler's in-flight
  // leases would pile up through the run, which no real caller does.
  const notify = (i: number, firstToken: boolean) => client.complete({ requestId: `g${i}`, firstToken }, new Metadata(), { deadline: new Date(Date.now() + 5000) }, () => undefined);
  const complete = (i: number) => {
    // A streamed request's first token, then its end.
    if (transport === 'unary') {
      notify(i, true);
      notify(i, false);
    } else {
      streams.firstToken(`g${i}`);
      streams.complete(`g${i}`);
    }
  };
  const target: GrpcTarget & { extProcPort: number } = {
    extProcPort,
    async pick(i, p) {
      const res = await picked(i, p);
      complete(i);
      return res;
    },
    messageBytes: (p) => schedulerv1.PickStreamRequest.encode({ pick: requestOf(0, p), timeoutMs: 250, traceContext: {}, completed: ['g1'], firstToken: ['g1'] }).finish().length,
    pid: child.pid,
    close() {
      streams.close();
      client.close();
      child.kill('SIGKILL');
    },
  };
  // Wait until every endpoint has been scraped once, and take the digest spec the target publishes.
  for (let tries = 0; ; tries++) {
    const list = await new Promise<schedulerv1.ListEndpointsResponse | undefined>((res) => client.listEndpoints({}, (e, l) => res(e ? undefined : l)));
    spec = list?.promptDigestSpec;
    const r = list ? ((await target.pick(-1, 'warm-up').catch(() => undefined)) as schedulerv1.PickResponse | undefined) : undefined;
    if (r?.target && list && list.endpoints.filter((x) => x.healthy).length === n) break;
    if (tries > 100) {
      target.close();
      throw new Error(`${kind} did not become ready`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return target;
}

/** Bytes per request_body message, as Envoy forwards a body read by read. */
const ENVOY_BODY_CHUNK = 16384;

const header = (key: string, value: string) => ({ key, value: '', rawValue: Buffer.from(value) });
const processing = (request: extprocv3.ProcessingRequest['request']): extprocv3.ProcessingRequest => ({ request, metadataContext: undefined, attributes: {}, observabilityMode: false, protocolConfig: undefined, flowControlInit: undefined, clientWindowUpdate: undefined });

/**
 * The same scheduler process asked as an Envoy gateway asks it (ext_proc, FULL_DUPLEX_STREAMED): the
 * completion request's headers, then its JSON body in 16 KiB reads; a Pick is done when the route and
 * the whole body have come back (when Envoy can send the request on). The stream then ends, which
 * releases the lease.
 */
function extProcTarget(port: number, pid: number | undefined): GrpcTarget {
  const client = new extprocv3.ExternalProcessorClient(`127.0.0.1:${port}`, credentials.createInsecure());
  const bodyOf = (p: string) => Buffer.from(JSON.stringify({ model: MODEL, prompt: p, max_tokens: 64, stream: true }));
  return {
    pick(i, p) {
      const body = bodyOf(p);
      return new Promise((resolve, reject) => {
        const call = client.process();
        let routed = false;
        call.on('data', (m: extprocv3.ProcessingResponse) => {
          const r = m.response;
          if (r?.$case === 'immediateResponse') return reject(new Error(`ext_proc answered ${r.value.status?.code}`));
          if (r?.$case === 'requestHeaders') routed = true;
          const mutation = r?.$case === 'requestBody' ? r.value.response?.bodyMutation?.mutation : undefined;
          if (routed && mutation?.$case === 'streamedResponse' && mutation.value.endOfStream) {
            call.end();
            resolve(undefined);
          }
        });
        call.on('error', () => undefined);
        call.write(processing({ $case: 'requestHeaders', value: { headers: { headers: [header(':method', 'POST'), header(':path', '/v1/completions'), header('content-type', 'application/json'), header('x-request-id', `x${i}`)] }, attributes: {}, endOfStream: false } }));
        for (let at = 0; at < body.length; at += ENVOY_BODY_CHUNK) {
          call.write(processing({ $case: 'requestBody', value: { body: body.subarray(at, at + ENVOY_BODY_CHUNK), endOfStream: at + ENVOY_BODY_CHUNK >= body.length, endOfStreamWithoutMessage: false, grpcMessageCompressed: false, drainComplete: false } }));
        }
      });
    },
    messageBytes: (p) => bodyOf(p).length,
    pid,
    close: () => client.close(),
  };
}

interface GrpcCell {
  p50: number;
  p99: number;
  perSec: number;
  perCoreSec: number;
  messageBytes: number;
}

/**
 * Latency one Pick at a time, the targets taking turns Pick by Pick (the machine's noise falls on
 * each alike); then throughput with 32 Picks in flight, each target alone, and its own CPU per Pick.
 */
async function overGrpc(profile: string, n: number, tokens: number, iterations: number, transport: 'unary' | 'stream', withFloor: boolean, withExtProc: boolean): Promise<{ scheduler: GrpcCell; floor?: GrpcCell; extProc?: GrpcCell }> {
  const stub = await metricsStub();
  const kinds = withFloor ? (['scheduler', 'floor'] as const) : (['scheduler'] as const);
  const targets: GrpcTarget[] = [];
  try {
    for (const kind of kinds) targets.push(await startTarget(kind, profile, n, transport, stub.port));
    // Envoy's way into the same scheduler process, taking its turn with the others.
    const scheduler = targets[0] as GrpcTarget & { extProcPort: number };
    if (withExtProc) targets.push(extProcTarget(scheduler.extProcPort, scheduler.pid));
    const prompts = Array.from({ length: 16 }, (_, i) => prompt(tokens, i));
    for (let i = 0; i < 50; i++) for (const t of targets) await t.pick(i, prompts[i % 16]);
    const lat: number[][] = targets.map(() => []);
    for (let i = 0; i < iterations; i++) {
      for (const [k, t] of targets.entries()) {
        const started = performance.now();
        await t.pick(i, prompts[i % 16]);
        lat[k].push(performance.now() - started);
      }
    }
    const cells: GrpcCell[] = [];
    for (const [k, t] of targets.entries()) {
      let done = 0;
      const cpuBefore = cpuSeconds(t.pid);
      const started = performance.now();
      const end = Date.now() + 2000;
      await Promise.all(Array.from({ length: 32 }, async (_, w) => {
        for (let i = 0; Date.now() < end; i++, done++) await t.pick(w * 1e6 + i, prompts[i % 16]);
      }));
      const secs = (performance.now() - started) / 1000;
      const cpu = cpuSeconds(t.pid) - cpuBefore;
      const sorted = lat[k].sort((a, b) => a - b);
      cells.push({ p50: percentile(sorted, 50), p99: percentile(sorted, 99), perSec: done / secs, perCoreSec: cpu > 0 ? done / cpu : NaN, messageBytes: t.messageBytes(prompts[0]) });
    }
    return { scheduler: cells[0], floor: withFloor ? cells[1] : undefined, extProc: withExtProc ? cells[cells.length - 1] : undefined };
  } finally {
    for (const t of targets) t.close();
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

/** One measured shape (the `--json` row). */
export interface PickRow {
  path: 'in-process' | 'stream' | 'unary' | 'floor' | 'ext-proc';
  profile: string;
  endpoints: number;
  promptTokens: number;
  p50Ms: number;
  p99Ms: number;
  picksPerSecond: number;
  /** Picks over the CPU time of the process that answered them (in-process: wall time of this one). */
  picksPerCpuSecond: number;
  /** Bytes of one PickStream message (gRPC rows). */
  messageBytes?: number;
}

export interface PickVerdict {
  name: string;
  ratio: number;
  bound: number;
  met: boolean;
}

/**
 * Issue 23's Pick targets, over the stream at 100 endpoints and 8k-token prompts, against the floor
 * measured in the same run: p99 at most 1.3x the floor's, Picks per CPU-second at least 0.8x.
 */
export function pickVerdicts(rows: readonly PickRow[]): PickVerdict[] {
  const out: PickVerdict[] = [];
  for (const s of rows.filter((r) => r.path === 'stream' && r.endpoints === 100 && r.promptTokens === 8192)) {
    const f = rows.find((r) => r.path === 'floor' && r.profile === s.profile && r.endpoints === s.endpoints && r.promptTokens === s.promptTokens);
    if (!f) continue;
    const p99 = s.p99Ms / f.p99Ms;
    const cpu = s.picksPerCpuSecond / f.picksPerCpuSecond;
    out.push({ name: `${s.profile}: stream p99 / floor p99`, ratio: p99, bound: 1.3, met: p99 <= 1.3 });
    out.push({ name: `${s.profile}: Picks per CPU-second / floor's`, ratio: cpu, bound: 0.8, met: cpu >= 0.8 });
  }
  return out;
}

async function main(): Promise<void> {
  const { values } = parseOrExit(command);
  const grpc = !values['in-process-only'];
  const inProc = !values['grpc-only'];
  const iterations = values.iterations;
  // Narrow a run to the shapes that match the filters given.
  const keep = (name: 'transport' | 'profile' | 'endpoints' | 'tokens', value: string | number) => values[name] === undefined || String(values[name]) === String(value);
  const rows: PickRow[] = [];
  for (const profile of inProc ? (['approx-prefix', 'precise-prefix'] as const) : []) {
    for (const n of [10, 100, 1000]) {
      for (const tokens of TOKEN_SIZES) {
        if (!keep('profile', profile) || !keep('endpoints', n) || !keep('tokens', tokens)) continue;
        const r = await inProcess(profile, n, tokens, iterations);
        rows.push({ path: 'in-process', profile, endpoints: n, promptTokens: tokens, p50Ms: r.p50, p99Ms: r.p99, picksPerSecond: r.perSec, picksPerCpuSecond: r.perSec });
      }
    }
  }
  if (grpc) {
    for (const transport of ['stream', 'unary'] as const) {
      for (const profile of ['approx-prefix', 'precise-prefix']) {
        for (const [n, tokens] of [[10, 1024], [100, 8192], [1000, 8192], [100, 32768]]) {
          if (!keep('transport', transport) || !keep('profile', profile) || !keep('endpoints', n) || !keep('tokens', tokens)) continue;
          // The floor beside every stream shape, measured in the same window.
          const r = await overGrpc(profile, n, tokens, iterations, transport, transport === 'stream' && !values['no-floor'], transport === 'stream' && !values['no-ext-proc']);
          const row = (path: PickRow['path'], c: GrpcCell): PickRow => ({ path, profile, endpoints: n, promptTokens: tokens, p50Ms: c.p50, p99Ms: c.p99, picksPerSecond: c.perSec, picksPerCpuSecond: c.perCoreSec, messageBytes: c.messageBytes });
          rows.push(row(transport, r.scheduler));
          if (r.floor) rows.push(row('floor', r.floor));
          if (r.extProc) rows.push(row('ext-proc', r.extProc));
        }
      }
    }
  }
  const verdicts = pickVerdicts(rows);
  if (values.json) {
    for (const r of rows) process.stdout.write(`${JSON.stringify(r)}\n`);
    for (const v of verdicts) process.stdout.write(`${JSON.stringify({ target: v.name, ratio: v.ratio, bound: v.bound, met: v.met })}\n`);
    return;
  }
  process.stdout.write('Pick latency (ms) and throughput; precise in-process = an index answering in-process; over gRPC = the real scheduler process on loopback, no cache-manager (precise falls back behind the circuit breaker); stream = PickStream (the gateway default), unary = one Pick call each, floor = the same stream to the scheduler\'s service with an empty handler (what the transport alone costs); Envoy ext_proc = the same scheduler asked as an Envoy-based gateway asks it (the completion request\'s headers and JSON body in 16 KiB reads; done when the route and the body are back; bytes = the body); the prompt goes as the gateway sends it (its chunk hashes, with the text only where the profile needs it); every Pick is completed after it returns, as the gateway does; latency is measured one Pick at a time, the scheduler, the floor and ext_proc taking turns; throughput with 32 in flight; picks per CPU-second = Picks done over the CPU time of the answering process\n\n');
  const label = { 'in-process': 'in-process', stream: 'gRPC stream', unary: 'gRPC unary', floor: 'gRPC floor', 'ext-proc': 'Envoy ext_proc' } as const;
  printTable(
    ['path', 'profile', 'endpoints', 'prompt tokens', 'bytes per Pick', 'p50 ms', 'p99 ms', 'picks/s', 'picks per CPU-second'],
    rows.map((r) => [label[r.path], r.profile, r.endpoints, r.promptTokens, r.messageBytes ?? '-', r.p50Ms.toFixed(3), r.p99Ms.toFixed(3), r.picksPerSecond.toFixed(0), r.picksPerCpuSecond.toFixed(0)]),
  );
  if (verdicts.length > 0) {
    process.stdout.write('\n');
    printTable(['target (100 endpoints, 8k-token prompts, this run)', 'measured', 'bound', 'met'], verdicts.map((v) => [v.name, `${v.ratio.toFixed(2)}x`, `${v.bound.toFixed(2)}x`, v.met ? 'yes' : 'no']));
  }
  process.stdout.write(`\napproximate index at its default capacity (31,250 chunk hashes per endpoint): ${(indexMemoryMb(31250, 10) / 10).toFixed(2)} MB per endpoint\n`);
}

if (require.main === module) void main();
