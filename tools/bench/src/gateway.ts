// The gateway's cost on the way, side by side with the Rust routers of vLLM and SGLang, on the same
// vllm-sim pods: added latency to first byte (p50/p99) at 1, 64 and 512 concurrent streams, the
// highest request rate each sustains with under 1% errors, CPU per 1,000 streamed tokens, and memory
// per open stream. The peers come from PyPI into a git-ignored virtualenv (.llmd/bench-venv); a peer
// that cannot be installed is skipped with a message.
import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import { setMaxListeners } from 'node:events';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Agent, request } from 'undici';
import { defineCommand, freePorts, nodeFlagsFor, parseOrExit } from '@llmd/cli';
import { childPids, cpuSeconds, rssMb } from './proc';
import { printTable } from './table';

const REPO = join(__dirname, '..', '..', '..', '..');
const DIST = join(__dirname, '..', '..', '..');
const VENV = join(REPO, '.llmd', 'bench-venv');
const MODEL = 'bench/llama-3.2-1b';
const PEERS = { 'vllm-router': 'vllm-router==0.1.17', 'sglang-router': 'sglang-router==0.3.2' } as const;
type Target = 'direct' | 'llmd' | keyof typeof PEERS;

export const command = defineCommand({
  name: 'llmd bench gateway',
  summary: 'llmd\'s gateway against vllm-router and sglang-router (PyPI) on the same vllm-sim pods',
  details: 'Starts the pods, llmd\'s gateway and scheduler, and each peer router; the peers are installed into .llmd/bench-venv on first use.',
  flags: {
    pods: { type: 'integer', min: 1, max: 64, default: '2', description: 'vllm-sim pods shared by every target' },
    'time-scale': { type: 'number', min: 0, exclusiveMin: true, default: '0.05', description: 'the pods\' wall-clock seconds per simulated second' },
    seconds: { type: 'number', min: 0, exclusiveMin: true, default: '4', description: 'seconds per measured cell' },
    'cpu-rate': { type: 'number', min: 0, default: '300', description: 'Poisson requests per second at which every router\'s CPU per token is also measured, side by side at equal load (0: skip)' },
    warmup: { type: 'number', min: 0, default: '5', description: 'seconds of load on each path, at the highest concurrency measured, before anything is measured' },
    'max-tokens': { type: 'integer', min: 1, default: '32', description: 'tokens per streamed completion' },
    concurrency: { type: 'integer-list', min: 1, default: '1,64,512', description: 'concurrent streams for the latency table' },
    rates: { type: 'number-list', min: 0, exclusiveMin: true, default: '100,200,400,800,1600,3200', description: 'Poisson request rates (per second) tried for the highest sustained rate' },
    targets: { type: 'string-list', choices: ['direct', 'llmd', 'vllm-router', 'sglang-router'], default: 'direct,llmd,vllm-router,sglang-router', description: 'what is measured (direct = the pods themselves)' },
    'skip-rates': { type: 'boolean', description: 'skip the request-rate search' },
    'skip-memory': { type: 'boolean', description: 'skip the memory-per-stream measurement' },
    json: { type: 'boolean', description: 'print one JSON object per path and concurrency (and one per target ratio), one per line, instead of the tables' },
    'gateway-workers': { type: 'integer', min: 1, max: 64, default: '1', description: 'processes of llmd\'s gateway (`--workers`); their CPU and memory are counted with the primary\'s' },
    'cpu-prof': { type: 'string', valueName: 'DIR', description: 'write V8 CPU profiles of llmd\'s gateway and scheduler into DIR (stopped with SIGTERM at the end, so the profiles are written)' },
  },
});

function parseArgs(argv: string[]) {
  const { values: v } = parseOrExit(command, argv);
  return { pods: v.pods, timeScale: v['time-scale'], seconds: v.seconds, warmup: v.warmup, cpuRate: v['cpu-rate'], maxTokens: v['max-tokens'], concurrency: v.concurrency, rates: v.rates, targets: v.targets as string[], skipRates: v['skip-rates'], skipMemory: v['skip-memory'], cpuProf: v['cpu-prof'], gatewayWorkers: v['gateway-workers'], json: v.json === true };
}

const procs: ChildProcess[] = [];
function start(cmd: string, args: string[], env: Record<string, string> = {}): ChildProcess {
  const child = spawn(cmd, args, { env: { ...process.env, OTEL_SDK_DISABLED: 'true', LLMD_LOG_LEVEL: 'warn', ...env }, stdio: ['ignore', 'ignore', 'pipe'] });
  const tail: string[] = [];
  child.stderr?.on('data', (b: Buffer) => {
    tail.push(b.toString());
    if (tail.length > 20) tail.shift();
  });
  child.on('exit', (code) => {
    if (code && code !== 0 && !stopping) process.stderr.write(`${cmd} exited ${code}: ${tail.join('').slice(-800)}\n`);
  });
  procs.push(child);
  return child;
}
let stopping = false;

async function waitOk(url: string, timeoutMs = 60000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    const ok = await fetch(url).then((r) => r.ok, () => false);
    if (ok) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${url} did not become ready`);
}

/** Installs the peers into the bench virtualenv; returns the path of each one that installed. */
function installPeers(): Partial<Record<keyof typeof PEERS, string>> {
  const found: Partial<Record<keyof typeof PEERS, string>> = {};
  try {
    if (!existsSync(join(VENV, 'bin', 'pip'))) execFileSync('python3', ['-m', 'venv', VENV], { stdio: 'ignore' });
  } catch (err) {
    process.stdout.write(`skipping vllm-router and sglang-router: no Python virtualenv (${(err as Error).message})\n`);
    return found;
  }
  for (const [name, spec] of Object.entries(PEERS) as [keyof typeof PEERS, string][]) {
    const bin = join(VENV, 'bin', name);
    if (!existsSync(bin)) {
      try {
        execFileSync(join(VENV, 'bin', 'pip'), ['install', '-q', spec], { stdio: ['ignore', 'ignore', 'pipe'], timeout: 300000 });
      } catch (err) {
        process.stdout.write(`skipping ${name}: pip install ${spec} failed (${String((err as { stderr?: Buffer }).stderr ?? (err as Error).message).trim().split('\n').pop()})\n`);
        continue;
      }
    }
    if (existsSync(bin)) found[name] = bin;
  }
  return found;
}

interface Sample {
  ttfbMs: number;
  ok: boolean;
  tokens: number;
}

const dispatcher = new Agent({ connections: 2048, pipelining: 1, keepAliveTimeout: 30000 });

/** One streamed completion; the time to its first body byte, and the tokens streamed. */
async function streamOnce(base: string, i: number, maxTokens: number, signal?: AbortSignal): Promise<Sample> {
  const started = performance.now();
  try {
    const res = await request(`${base}/v1/completions`, {
      method: 'POST',
      dispatcher,
      signal,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: MODEL, prompt: `Bench request ${i % 97}: tell me about routing.`, max_tokens: maxTokens, stream: true, ignore_eos: true }),
      headersTimeout: 30000,
      bodyTimeout: 30000,
    });
    let ttfbMs = -1;
    let tokens = 0;
    for await (const chunk of res.body) {
      if (ttfbMs < 0) ttfbMs = performance.now() - started;
      const text = (chunk as Buffer).toString();
      for (let at = text.indexOf('"text"'); at >= 0; at = text.indexOf('"text"', at + 6)) tokens++;
    }
    return { ttfbMs, ok: res.statusCode === 200 && ttfbMs >= 0, tokens };
  } catch {
    return { ttfbMs: performance.now() - started, ok: false, tokens: 0 };
  }
}

/** `concurrency` streams back to back for `seconds`; request i goes to `baseOf(i)`. */
async function closedLoop(baseOf: (i: number) => string, concurrency: number, seconds: number, maxTokens: number): Promise<Sample[]> {
  const samples: Sample[] = [];
  const end = Date.now() + seconds * 1000;
  let n = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (Date.now() < end) {
        const i = n++;
        samples.push(await streamOnce(baseOf(i), i, maxTokens));
      }
    }),
  );
  return samples;
}

/** Poisson arrivals at `rate` per second for `seconds`; errors include requests still unanswered 10 s later. */
async function openLoop(base: string, rate: number, seconds: number, maxTokens: number): Promise<{ errors: number; total: number; tokens: number }> {
  const inflight: Promise<Sample>[] = [];
  const started = performance.now();
  let next = 0;
  for (let i = 0; ; i++) {
    next += -Math.log(1 - Math.random()) / rate;
    if (next > seconds) break;
    const wait = started + next * 1000 - performance.now();
    if (wait > 1) await new Promise((r) => setTimeout(r, wait));
    inflight.push(streamOnce(base, i, maxTokens, AbortSignal.timeout(10000 + seconds * 1000)));
  }
  const results = await Promise.all(inflight);
  return { errors: results.filter((r) => !r.ok).length, total: results.length, tokens: results.reduce((n, r) => n + (r.ok ? r.tokens : 0), 0) };
}


/** One measured cell: a path at one concurrency (the `--json` row). */
export interface Cell {
  path: Target;
  concurrency: number;
  p50Ms: number;
  p99Ms: number;
  addedP50Ms: number;
  addedP99Ms: number;
  /** Completed streams per second (NaN at one stream, where the paths take turns). */
  requestsPerSec: number;
  errors: number;
  tokens: number;
  cpuMsPer1kTokens: number;
  /** CPU per 1,000 tokens at --cpu-rate requests per second (the same for every path of the row's router). */
  cpuMsPer1kTokensAtRate?: number;
  gatewayWorkers?: number;
  gatewayCpuMsPer1kTokens?: number;
  schedulerCpuMsPer1kTokens?: number;
  memoryKiBPerStream?: number;
  sustainedRequestsPerSec?: number;
}

export interface Verdict {
  name: string;
  /** llmd's figure over vllm-router's, measured in this run. */
  ratio: number;
  /** The most (or, for the rate, the least) the ratio may be. */
  bound: number;
  met: boolean;
}

const fmt = (x: number | undefined) => (x === undefined || Number.isNaN(x) ? '-' : x.toFixed(1));

/**
 * Issue 23's targets, each as llmd over vllm-router in one run: CPU per 1,000 tokens at 64 streams
 * at most 1x (stretch: half-way to sglang-router's), added TTFB at one stream p50 at most 1x and p99
 * at most 1.2x, the highest sustained rate at least 1x. A figure missing from the run gives no verdict.
 */
export function gatewayVerdicts(cells: Cell[], sustained: Record<string, number>): Verdict[] {
  const at = (path: Target, c: number) => cells.find((x) => x.path === path && x.concurrency === c);
  const out: Verdict[] = [];
  const push = (name: string, ratio: number, bound: number, atMost: boolean) => {
    if (Number.isFinite(ratio) && Number.isFinite(bound)) out.push({ name, ratio, bound, met: atMost ? ratio <= bound : ratio >= bound });
  };
  const [l64, v64, s64] = [at('llmd', 64), at('vllm-router', 64), at('sglang-router', 64)];
  if (l64 && v64) {
    push('CPU per 1,000 streamed tokens, 64 streams', l64.cpuMsPer1kTokens / v64.cpuMsPer1kTokens, 1, true);
    if (s64) push('  stretch: half-way to sglang-router', l64.cpuMsPer1kTokens / v64.cpuMsPer1kTokens, (v64.cpuMsPer1kTokens + s64.cpuMsPer1kTokens) / 2 / v64.cpuMsPer1kTokens, true);
  }
  const [lr, vr, sr] = [l64?.cpuMsPer1kTokensAtRate, v64?.cpuMsPer1kTokensAtRate, s64?.cpuMsPer1kTokensAtRate];
  if (lr !== undefined && vr !== undefined) {
    push('CPU per 1,000 streamed tokens, equal Poisson rate', lr / vr, 1, true);
    if (sr !== undefined) push('  stretch: half-way to sglang-router', lr / vr, (vr + sr) / 2 / vr, true);
  }
  const [l1, v1] = [at('llmd', 1), at('vllm-router', 1)];
  if (l1 && v1) {
    // Added latency can be at or under zero on a noisy machine: compare with a 0.05 ms floor.
    const floor = (x: number) => Math.max(x, 0.05);
    push('added TTFB p50, 1 stream', floor(l1.addedP50Ms) / floor(v1.addedP50Ms), 1, true);
    push('added TTFB p99, 1 stream', floor(l1.addedP99Ms) / floor(v1.addedP99Ms), 1.2, true);
  }
  if (sustained['llmd'] !== undefined && sustained['vllm-router'] > 0) push('highest sustained rate', sustained['llmd'] / sustained['vllm-router'], 1, false);
  return out;
}

const pct = (sorted: number[], p: number) => (sorted.length === 0 ? NaN : sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]);

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  process.on('exit', () => {
    stopping = true;
    for (const p of procs) p.kill('SIGKILL');
  });
  const peers = Object.fromEntries(Object.entries(installPeers()).filter(([name]) => args.targets.includes(name)));

  // The pods, shared by every target.
  const simPorts = await freePorts(args.pods);
  for (const [i, port] of simPorts.entries()) {
    start(process.execPath, [join(DIST, 'apps/vllm-sim/src/main.js'), 'serve', MODEL, '--port', String(port), '--gpu-profile', 'llama-3.2-1b', '--time-scale', String(args.timeScale), '--max-num-seqs', '512', '--seed', String(i)]);
  }
  for (const port of simPorts) await waitOk(`http://127.0.0.1:${port}/health`);
  const workers = simPorts.map((p) => `http://127.0.0.1:${p}`);

  // llmd: the gateway and the scheduler (approximate prefix + load, no Kafka: nothing else on the path).
  const [gwPort, gwOps, schedPort, schedOps] = await freePorts(4);
  const prof = args.cpuProf ? ['--cpu-prof', '--cpu-prof-dir', args.cpuProf] : [];
  const scheduler = start(process.execPath, [...nodeFlagsFor('scheduler'), ...prof, join(DIST, 'apps/scheduler/src/main.js')], {
    LLMD_KAFKA_ENABLED: 'false',
    LLMD_SCHEDULER_GRPC_PORT: String(schedPort),
    LLMD_SCHEDULER_OPS_PORT: String(schedOps),
    LLMD_SCHEDULER_PROFILE: 'approx-prefix',
    // The peers have no flow control: without this llmd would hold and then shed (429) the requests
    // that arrive while every pod reports a queue, which is a policy, not routing overhead.
    LLMD_SCHEDULER_FLOW_CONTROL_ENABLED: 'false',
    LLMD_SCHEDULER_ENDPOINTS: JSON.stringify(simPorts.map((p, i) => ({ id: `sim-${i}`, address: `127.0.0.1:${p}`, models: [MODEL] }))),
  });
  const gateway = start(process.execPath, [...nodeFlagsFor('gateway'), ...prof, join(DIST, 'apps/gateway/src/main.js'), '--workers', String(args.gatewayWorkers)], {
    LLMD_KAFKA_ENABLED: 'false',
    LLMD_GATEWAY_PORT: String(gwPort),
    LLMD_GATEWAY_OPS_PORT: String(gwOps),
    LLMD_GATEWAY_SCHEDULER_ADDRESS: `127.0.0.1:${schedPort}`,
  });
  await waitOk(`http://127.0.0.1:${schedOps}/readyz`);
  await waitOk(`http://127.0.0.1:${gwOps}/readyz`);

  const targets: { name: Target; base: string; pids: number[] }[] = [
    { name: 'direct' as Target, base: '', pids: [] },
    // With --gateway-workers the primary's workers are counted too (they are the ones serving).
    { name: 'llmd' as Target, base: `http://127.0.0.1:${gwPort}`, pids: [scheduler.pid ?? 0, gateway.pid ?? 0, ...childPids(gateway.pid)] },
  ].filter((t) => args.targets.includes(t.name));
  for (const [name, bin] of Object.entries(peers) as [keyof typeof PEERS, string][]) {
    const [port, prom] = await freePorts(2);
    const argv =
      name === 'vllm-router'
        ? ['--host', '127.0.0.1', '--port', String(port), '--worker-urls', ...workers, '--policy', 'cache_aware', '--prometheus-port', String(prom), '--log-level', 'warning']
        : ['launch', '--host', '127.0.0.1', '--port', String(port), '--worker-urls', ...workers, '--policy', 'cache_aware', '--prometheus-port', String(prom), '--log-level', 'warn'];
    const child = start(bin, argv);
    try {
      await waitOk(`http://127.0.0.1:${port}/health`, 60000);
      targets.push({ name, base: `http://127.0.0.1:${port}`, pids: [child.pid ?? 0] });
    } catch (err) {
      process.stdout.write(`skipping ${name}: ${(err as Error).message}\n`);
      child.kill('SIGKILL');
    }
  }
  // Warm every path under the load it is measured at (direct: the client spreads over the pods itself,
  // in turn): a Node process's first seconds under a new load run code V8 has not optimised yet, and
  // a first window measured cold put llmd at twice its warm CPU per token.
  const warmStreams = Math.max(...args.concurrency);
  for (const t of targets) await closedLoop(t.name === 'direct' ? (i) => workers[i % workers.length] : () => t.base, warmStreams, args.warmup, args.maxTokens);

  const latencyRows: (string | number)[][] = [];
  const cells: Cell[] = [];
  const directP: Record<number, { p50: number; p99: number }> = {};
  const cpuOf = (t: (typeof targets)[number]) => t.pids.map((pid) => cpuSeconds(pid));
  // One stream: the targets take turns request by request over one window, so the machine's noise
  // (this is a shared 2-core VM) falls on every path alike and the differences are the paths' own.
  // Each target's processes serve only its own requests, so their CPU over the window is its own too.
  const serial = new Map<Target, Sample[]>(targets.map((t) => [t.name, []]));
  const serialCpu = new Map<Target, number[]>();
  if (args.concurrency.includes(1)) {
    const before = targets.map(cpuOf);
    const end = Date.now() + args.seconds * 1000 * targets.length;
    for (let i = 0; Date.now() < end; i++) {
      const t = targets[i % targets.length];
      const round = Math.floor(i / targets.length);
      serial.get(t.name)?.push(await streamOnce(t.name === 'direct' ? workers[round % workers.length] : t.base, round, args.maxTokens));
    }
    targets.forEach((t, k) => serialCpu.set(t.name, cpuOf(t).map((c, j) => c - before[k][j])));
  }
  for (const c of args.concurrency) {
    for (const t of targets) {
      const cpu0 = cpuOf(t);
      // Direct: the client takes the pods in turn itself.
      const samples = c === 1 ? (serial.get(t.name) ?? []) : await closedLoop(t.name === 'direct' ? (i) => workers[i % workers.length] : () => t.base, c, args.seconds, args.maxTokens);
      const cpu = c === 1 ? (serialCpu.get(t.name) ?? []) : cpuOf(t).map((x, j) => x - cpu0[j]);
      const ok = samples.filter((s) => s.ok);
      const ttfb = ok.map((s) => s.ttfbMs).sort((a, b) => a - b);
      const p50 = pct(ttfb, 50);
      const p99 = pct(ttfb, 99);
      if (t.name === 'direct') directP[c] = { p50, p99 };
      directP[c] ??= { p50: NaN, p99: NaN };
      const tokens = ok.reduce((n, s) => n + s.tokens, 0);
      const perK = (cpuS: number) => (tokens > 0 && t.name !== 'direct' ? (cpuS / tokens) * 1e6 : NaN);
      cells.push({
        path: t.name,
        concurrency: c,
        p50Ms: p50,
        p99Ms: p99,
        addedP50Ms: t.name === 'direct' ? 0 : p50 - directP[c].p50,
        addedP99Ms: t.name === 'direct' ? 0 : p99 - directP[c].p99,
        requestsPerSec: c === 1 ? NaN : ok.length / args.seconds,
        errors: samples.length - ok.length,
        tokens,
        cpuMsPer1kTokens: perK(cpu.reduce((a, b) => a + b, 0)),
        // llmd's two processes apart: what the gateway costs, and what the scheduler's Picks cost.
        ...(t.name === 'llmd' ? { gatewayWorkers: args.gatewayWorkers, gatewayCpuMsPer1kTokens: perK(cpu.slice(1).reduce((a, b) => a + b, 0)), schedulerCpuMsPer1kTokens: perK(cpu[0]) } : {}),
      });
      latencyRows.push([c, t.name, p50.toFixed(2), p99.toFixed(2), t.name === 'direct' ? '-' : (p50 - directP[c].p50).toFixed(2), t.name === 'direct' ? '-' : (p99 - directP[c].p99).toFixed(2), c === 1 ? '-' : (ok.length / args.seconds).toFixed(0), samples.length - ok.length, t.name === 'direct' ? '-' : fmt(perK(cpu.reduce((a, b) => a + b, 0)))]);
    }
  }

  // CPU per token at one offered rate for every router: a closed loop gives a faster router more
  // requests per second, and more requests per wake-up cost less CPU each; at equal load they do not.
  const atRate: Record<string, number> = {};
  const atRateSplit: number[] = [];
  for (const t of targets.filter((x) => x.name !== 'direct' && args.cpuRate > 0)) {
    const cpu0 = cpuOf(t);
    const r = await openLoop(t.base, args.cpuRate, args.seconds, args.maxTokens);
    const cpu = cpuOf(t).map((x, j) => x - cpu0[j]);
    if (r.tokens > 0 && r.errors === 0) {
      atRate[t.name] = (cpu.reduce((a, b) => a + b, 0) / r.tokens) * 1e6;
      if (t.name === 'llmd') atRateSplit.push((cpu.slice(1).reduce((a, b) => a + b, 0) / r.tokens) * 1e6, (cpu[0] / r.tokens) * 1e6);
    }
  }
  for (const cell of cells) if (cell.path !== 'direct') cell.cpuMsPer1kTokensAtRate = atRate[cell.path];

  // Memory per open stream: 512 long streams held open, the router's RSS against idle.
  const memory: Record<string, string> = {};
  for (const t of targets.filter((x) => x.name !== 'direct' && !args.skipMemory)) {
    const idle = t.pids.reduce((s, pid) => s + rssMb(pid), 0);
    const abort = new AbortController();
    setMaxListeners(0, abort.signal);
    const open = Array.from({ length: 512 }, (_, i) => streamOnce(t.base, i, 100000, abort.signal));
    await new Promise((r) => setTimeout(r, 3000));
    const busy = t.pids.reduce((s, pid) => s + rssMb(pid), 0);
    abort.abort();
    await Promise.all(open);
    memory[t.name] = (((busy - idle) * 1024) / 512).toFixed(1);
    await new Promise((r) => setTimeout(r, 1000));
  }

  // The highest Poisson rate each sustains with under 1% errors.
  const sustained: Record<string, number> = {};
  for (const t of targets.filter(() => !args.skipRates)) {
    sustained[t.name] = 0;
    for (const rate of args.rates) {
      const r = t.name === 'direct' ? await openLoopDirect(workers, rate, args.seconds, args.maxTokens) : await openLoop(t.base, rate, args.seconds, args.maxTokens);
      if (r.errors / Math.max(1, r.total) >= 0.01) break;
      sustained[t.name] = rate;
    }
  }

  for (const cell of cells) {
    if (cell.path === 'direct') continue;
    cell.memoryKiBPerStream = memory[cell.path] === undefined ? undefined : Number(memory[cell.path]);
    cell.sustainedRequestsPerSec = sustained[cell.path];
  }
  const verdicts = gatewayVerdicts(cells, sustained);
  if (args.json) {
    for (const cell of cells) process.stdout.write(`${JSON.stringify(cell)}\n`);
    for (const v of verdicts) process.stdout.write(`${JSON.stringify({ target: v.name, ratio: v.ratio, bound: v.bound, met: v.met })}\n`);
  } else {
    process.stdout.write(`\nvllm-sim pods: ${args.pods} x llama-3.2-1b tables at --time-scale ${args.timeScale}; streamed completions of ${args.maxTokens} tokens; ${args.seconds} s per cell; one client process; at 1 stream the paths take turns request by request in one window\n`);
    process.stdout.write(`llmd = gateway (${args.gatewayWorkers} worker${args.gatewayWorkers > 1 ? 's' : ''}) + scheduler (approx-prefix profile, PickStream, flow control off like the peers); vllm-router and sglang-router with --policy cache_aware; CPU = the router's processes (llmd: gateway + scheduler) over the cell\n\n`);
    printTable(['streams', 'path', 'TTFB p50 ms', 'TTFB p99 ms', 'added p50 ms', 'added p99 ms', 'requests/s', 'errors', 'CPU ms per 1,000 tokens'], latencyRows);
    process.stdout.write('\n');
    const llmd64 = cells.find((c) => c.path === 'llmd' && c.concurrency === 64);
    if (llmd64) process.stdout.write(`llmd's CPU ms per 1,000 tokens: at 64 streams gateway ${fmt(llmd64.gatewayCpuMsPer1kTokens)}, scheduler ${fmt(llmd64.schedulerCpuMsPer1kTokens)}; at ${args.cpuRate} requests/s gateway ${fmt(atRateSplit[0])}, scheduler ${fmt(atRateSplit[1])}\n\n`);
    printTable(
      ['router', 'CPU ms per 1,000 streamed tokens (64 streams)', `CPU ms per 1,000 streamed tokens (${args.cpuRate} requests/s)`, 'memory KiB per open stream (512 open)', `highest Poisson rate with <1% errors (of ${args.rates.join(', ')}/s)`],
      targets.filter((t) => t.name !== 'direct').map((t) => [t.name, fmt(cells.find((c) => c.path === t.name && c.concurrency === 64)?.cpuMsPer1kTokens), fmt(atRate[t.name]), memory[t.name] ?? '-', sustained[t.name] ?? '-']),
    );
    process.stdout.write(`\ndirect to the pods sustained ${sustained['direct'] ?? '-'}/s on the same ladder\n\n`);
    if (verdicts.length > 0) printTable(['target (llmd against vllm-router, this run)', 'measured', 'bound', 'met'], verdicts.map((v) => [v.name, `${v.ratio.toFixed(2)}x`, `${v.bound.toFixed(2)}x`, v.met ? 'yes' : 'no']));
  }
  stopping = true;
  if (args.cpuProf) {
    // A profile is written when the process exits on its own: SIGTERM, then wait for it.
    const llmd = [gateway, scheduler].filter((c) => c.exitCode === null);
    await Promise.all(llmd.map((c) => new Promise((resolve) => {
      c.once('exit', resolve);
      c.kill('SIGTERM');
      setTimeout(resolve, 15000).unref();
    })));
    process.stdout.write(`CPU profiles of the gateway and the scheduler in ${args.cpuProf}\n`);
  }
  for (const p of procs) p.kill('SIGKILL');
  await dispatcher.close();
  process.exit(0);
}

/** Direct: the rate split evenly over the pods. */
async function openLoopDirect(workers: string[], rate: number, seconds: number, maxTokens: number): Promise<{ errors: number; total: number; tokens: number }> {
  const parts = await Promise.all(workers.map((w) => openLoop(w, rate / workers.length, seconds, maxTokens)));
  return { errors: parts.reduce((n, p) => n + p.errors, 0), total: parts.reduce((n, p) => n + p.total, 0), tokens: parts.reduce((n, p) => n + p.tokens, 0) };
}

if (require.main === module) {
  main().catch((err) => {
    process.stderr.write(`bench gateway failed: ${(err as Error).stack}\n`);
    stopping = true;
    for (const p of procs) p.kill('SIGKILL');
    process.exit(1);
  });
}
