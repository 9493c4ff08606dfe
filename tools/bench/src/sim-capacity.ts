// Capacity of one vllm-sim process: how many concurrently streaming sequences it sustains at
// --time-scale 1 while its steps keep to the model's times (lag = wall time past the model's step end).
// Starts the simulator as its own process (one core), opens N streams from this one, and reads the
// simulator's own step counters over a window.
import { ChildProcess, spawn } from 'node:child_process';
import { setMaxListeners } from 'node:events';
import { join } from 'node:path';
import { defineCommand, freePorts, parseOrExit } from '@llmd/cli';
import { printTable } from './table';

const DIST = join(__dirname, '..', '..', '..');

export const command = defineCommand({
  name: 'llmd bench sim-capacity',
  summary: 'concurrent streams one vllm-sim process sustains at time scale 1',
  flags: {
    ladder: { type: 'integer-list', min: 1, default: '32,64,128,256,384,512', description: 'the stream counts measured, one point each' },
    seconds: { type: 'number', min: 0, exclusiveMin: true, default: '5', description: 'seconds measured per point' },
  },
});

async function gauges(url: string): Promise<Record<string, number>> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const out: Record<string, number> = {};
  for (const line of text.split('\n')) {
    const m = line.match(/^(llmd_sim_engine_\w+|vllm:num_requests_running|vllm:generation_tokens_total)(\{[^}]*\})? ([\d.e+-]+)$/);
    if (m) out[m[1]] = Number(m[3]);
  }
  return out;
}

async function waitFor(cond: () => Promise<boolean>, timeoutMs: number): Promise<boolean> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (await cond()) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return false;
}

interface Point {
  streams: number;
  running: number;
  steps: number;
  meanStepMs: number;
  lagPct: number;
  tokensPerSec: number;
}

async function measure(url: string, streams: number, seconds: number): Promise<Point> {
  const controller = new AbortController();
  setMaxListeners(0, controller.signal); // one listener per stream
  const body = JSON.stringify({ model: 'bench', prompt: 'The quick brown fox jumps over the lazy dog. '.repeat(12), max_tokens: 20000, ignore_eos: true, stream: true });
  const clients = Array.from({ length: streams }, (_, i) =>
    fetch(`${url}/v1/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: body.replace('"The', `"${i} The`), signal: controller.signal })
      .then(async (res) => {
        for await (const _chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
          // drain: the client reads every token, as a real one would
        }
      })
      .catch(() => undefined),
  );
  await waitFor(async () => ((await gauges(url))['vllm:num_requests_running'] ?? 0) >= streams, 30000);
  await new Promise((r) => setTimeout(r, 1000)); // settle into steady decode
  const a = await gauges(url);
  await new Promise((r) => setTimeout(r, seconds * 1000));
  const b = await gauges(url);
  controller.abort();
  await Promise.all(clients);
  await waitFor(async () => ((await gauges(url))['vllm:num_requests_running'] ?? 0) === 0, 10000);
  const steps = b.llmd_sim_engine_steps - a.llmd_sim_engine_steps;
  const model = b.llmd_sim_engine_step_model_seconds - a.llmd_sim_engine_step_model_seconds;
  const lag = b.llmd_sim_engine_step_lag_seconds - a.llmd_sim_engine_step_lag_seconds;
  return {
    streams,
    running: b['vllm:num_requests_running'],
    steps,
    meanStepMs: (model / Math.max(1, steps)) * 1000,
    lagPct: (lag / Math.max(1e-9, model)) * 100,
    tokensPerSec: (b['vllm:generation_tokens_total'] - a['vllm:generation_tokens_total']) / seconds,
  };
}

export async function runCapacity(ladder: number[], seconds: number, profile = 'llama-3-8b'): Promise<Point[]> {
  const [port] = await freePorts(1);
  const url = `http://127.0.0.1:${port}`;
  const child: ChildProcess = spawn(process.execPath, [join(DIST, 'apps/vllm-sim/src/main.js'), 'serve', 'bench', '--tokenizer', 'builtin:llama-3', '--port', String(port), '--time-scale', '1', '--max-num-seqs', String(Math.max(...ladder)), '--gpu-profile', profile], {
    stdio: ['ignore', 'ignore', 'inherit'],
    env: { ...process.env, LLMD_LOG_LEVEL: 'warn', OTEL_SDK_DISABLED: 'true' },
  });
  try {
    if (!(await waitFor(async () => (await fetch(`${url}/health`).catch(() => undefined))?.ok === true, 20000))) throw new Error('vllm-sim did not start');
    const points: Point[] = [];
    for (const n of ladder) points.push(await measure(url, n, seconds));
    return points;
  } finally {
    child.kill('SIGTERM');
  }
}

if (require.main === module) {
  const { ladder, seconds } = parseOrExit(command).values;
  void runCapacity(ladder, seconds).then((points) => {
    process.stdout.write(`vllm-sim capacity: one process, --time-scale 1, llama-3-8b tables, ${seconds} s per point\n\n`);
    printTable(
      ['streams', 'running', 'steps', 'model step ms', 'lag', 'tokens/s'],
      points.map((p) => [p.streams, p.running, p.steps, p.meanStepMs.toFixed(2), `${p.lagPct.toFixed(1)}%`, p.tokensPerSec.toFixed(0)]),
    );
  });
}
