// The gateway as several processes on one port (`--workers`): every worker serves, the ops port sums
// their metrics, a tenant's rate limit holds for the pod as a whole, a worker that dies is replaced
// while the others serve, and SIGTERM drains every worker's streams before the gateway exits 0.
import { readdirSync, readFileSync } from 'node:fs';
import OpenAI from 'openai';
import type { LocalStack } from '@llmd/cli';
import { metricSum } from '../support/metrics';
import { E2E_MODEL, startTestStack } from '../support/test-stack';
import { until } from '../support/until';

const LIMITED = 'sk-limited-tenant-0001';
const FREE = 'sk-free-tenant-0002';

/** The gateway primary's workers, from /proc. */
function workersOf(pid: number | undefined): number[] {
  return readdirSync('/proc')
    .filter((n) => /^\d+$/.test(n))
    .filter((n) => {
      try {
        return Number(readFileSync(`/proc/${n}/stat`, 'utf8').split(') ')[1].split(' ')[1]) === pid;
      } catch {
        return false;
      }
    })
    .map(Number);
}

describe('gateway --workers', () => {
  let stack: LocalStack;
  let ops: number;

  /** One completion on a connection of its own (`connection: close`), so the primary hands each to a worker in turn. */
  const complete = async (key: string) =>
    fetch(`${stack.gatewayUrl}/v1/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${key}`, connection: 'close' },
      body: JSON.stringify({ model: E2E_MODEL, prompt: 'Say something short.', max_tokens: 4 }),
    }).then(async (r) => {
      await r.text();
      return r.status;
    });

  beforeAll(async () => {
    stack = await startTestStack(1, {
      env: {
        LLMD_GATEWAY_WORKERS: '2',
        LLMD_GATEWAY_AUTH_ENABLED: 'true',
        LLMD_GATEWAY_API_KEYS: JSON.stringify([
          { name: 'limited', key: LIMITED, requestsPerMinute: 4 },
          { name: 'free', key: FREE },
        ]),
      },
    });
    ops = stack.options.ports.gatewayOps;
  }, 120000);

  afterAll(async () => {
    await stack?.stop();
  });

  it('serves from every worker, and its ops port sums their metrics', async () => {
    expect(workersOf(stack.pidOf('gateway'))).toHaveLength(2);
    const statuses = [];
    for (let i = 0; i < 10; i++) statuses.push(await complete(FREE));
    expect(statuses).toEqual(Array(10).fill(200));
    const served = new Set(
      (stack.logs.get('gateway') ?? [])
        .filter((l) => l.includes('"request done"'))
        .map((l) => (JSON.parse(l) as { worker?: number }).worker),
    );
    expect(served).toEqual(new Set([0, 1]));
    expect(await metricSum(ops, 'llmd_gateway_requests_total')).toBe(10);
    expect(await metricSum(ops, 'llmd_gateway_workers')).toBe(2);
    const ready = await fetch(`http://127.0.0.1:${ops}/readyz`).then((r) => r.json());
    expect(ready).toEqual({ status: 'ready', checks: expect.objectContaining({ workers: true, endpoints: true }) });
  });

  it('holds a tenant to its limit over the whole pod, not per worker', async () => {
    const statuses = [];
    for (let i = 0; i < 8; i++) statuses.push(await complete(LIMITED));
    // Four admitted in all: each worker's own buckets would have admitted up to eight.
    expect(statuses.filter((s) => s === 200)).toHaveLength(4);
    expect(statuses.filter((s) => s === 429)).toHaveLength(4);
  });

  it('replaces a worker that dies while the other serves', async () => {
    const [victim] = workersOf(stack.pidOf('gateway'));
    process.kill(victim, 'SIGKILL');
    // Once the primary has seen the death (a connection handed over in that instant is lost: Node's
    // cluster), what reaches the port is served by the survivor until the new worker is up.
    await until(async () => (await metricSum(ops, 'llmd_gateway_worker_restarts_total')) === 1, 30000);
    for (let i = 0; i < 4; i++) expect(await complete(FREE)).toBe(200);
    await until(async () => (await metricSum(ops, 'llmd_gateway_workers')) === 2, 30000);
    const workers = workersOf(stack.pidOf('gateway'));
    expect(workers).toHaveLength(2);
    expect(workers).not.toContain(victim);
    await until(async () => (await fetch(`http://127.0.0.1:${ops}/readyz`)).ok, 30000);
  });

  it('finishes the streams of every worker after SIGTERM, then exits 0', async () => {
    const client = new OpenAI({ baseURL: `${stack.gatewayUrl}/v1`, apiKey: FREE, maxRetries: 0 });
    // Two streams at once, on two connections (the primary hands connections to the workers in turn).
    const run = async () => {
      const stream = await client.completions.create({ model: E2E_MODEL, prompt: 'a long answer please', max_tokens: 400, stream: true, ignore_eos: true } as never);
      let tokens = 0;
      for await (const chunk of stream as unknown as AsyncIterable<OpenAI.Completion>) if (chunk.choices[0]?.text) tokens++;
      return tokens;
    };
    const streams = [run(), run()];
    await until(async () => (await metricSum(ops, 'llmd_gateway_requests_in_flight')) === 2, 30000);
    const exit = stack.kill('gateway', 'SIGTERM');
    expect(await Promise.all(streams)).toEqual([400, 400]);
    expect(await exit).toBe(0);
  });
});
