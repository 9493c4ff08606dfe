// The local stack supervises what it starts, as `tools/llmd up` runs it: a service or pod killed from
// outside is restarted with the same command after a kubelet-like back-off (shortened here), said
// as events, and serves again; a process that keeps failing waits twice as long each time; a stopped
// stack restarts nothing. One stack for the file.
import { type SupervisionEvent } from '@llmd/cli';
import type { LocalStack } from '@llmd/cli';
import { TestSchedulerClient } from '../support/scheduler-client';
import { E2E_MODEL, startTestStack } from '../support/test-stack';
import { metricSum } from '../support/metrics';
import { until } from '../support/until';

const BACKOFF = { baseMs: 300, maxMs: 3000, resetAfterMs: 60000 };

describe('the local stack restarts what exits (supervision)', () => {
  let stack: LocalStack;
  const events: SupervisionEvent[] = [];
  const of = (service: string, type: SupervisionEvent['type']) => events.filter((e) => e.service === service && e.type === type);

  const ask = async () => {
    const res = await fetch(`${stack.gatewayUrl}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: E2E_MODEL, max_tokens: 4, messages: [{ role: 'user', content: 'are you back?' }] }),
    });
    return res.status;
  };

  beforeAll(async () => {
    stack = await startTestStack(2, { supervise: { backoff: BACKOFF, onEvent: (e) => events.push(e) } });
  }, 120000);

  afterAll(async () => {
    await stack?.stop();
  }, 60000);

  it('a scheduler killed with SIGKILL is restarted after the back-off, says so, and picks again', async () => {
    await stack.kill('scheduler', 'SIGKILL');
    await until(async () => of('scheduler', 'ready').length === 1, 60000);
    expect(of('scheduler', 'exited')).toEqual([expect.objectContaining({ signal: 'SIGKILL', code: null, restart: 1, delayMs: BACKOFF.baseMs })]);
    // The new scheduler process (its counters start at 0) routes requests again: no fail-open.
    const ops = stack.options.ports.schedulerOps;
    await until(async () => (await ask()) === 200 && (await metricSum(ops, 'llmd_scheduler_picks_total')) > 0, 30000);
  }, 90000);

  it('a pod killed mid-life comes back on its port and the scheduler routes to it again', async () => {
    const [pod] = stack.pods();
    await stack.kill(pod.name, 'SIGKILL');
    await until(async () => of(pod.name, 'ready').length === 1, 60000);
    expect(stack.pods().map((p) => p.name)).toContain(pod.name);
    expect((await fetch(`http://127.0.0.1:${pod.port}/health`)).status).toBe(200);
    const scheduler = new TestSchedulerClient(`127.0.0.1:${stack.options.ports.scheduler}`);
    try {
      await until(async () => (await scheduler.healthyEndpoints()) === 2, 30000);
    } finally {
      scheduler.close();
    }
  }, 90000);

  it('a service that keeps failing waits twice as long before each restart', async () => {
    await stack.kill('cache-manager', 'SIGKILL');
    // Killed again before it has run the reset period: the second restart's back-off doubles.
    await until(async () => of('cache-manager', 'ready').length === 1, 60000);
    await stack.kill('cache-manager', 'SIGKILL');
    await until(async () => of('cache-manager', 'ready').length === 2, 60000);
    expect(of('cache-manager', 'exited').map((e) => [e.type === 'exited' && e.restart, e.type === 'exited' && e.delayMs])).toEqual([
      [1, BACKOFF.baseMs],
      [2, 2 * BACKOFF.baseMs],
    ]);
    expect(await ask()).toBe(200);
  }, 90000);

  it('a stopped stack restarts nothing', async () => {
    const before = events.length;
    await stack.stop();
    await new Promise((r) => setTimeout(r, BACKOFF.maxMs + 1000));
    expect(events.slice(before)).toEqual([]);
    expect(await fetch(`${stack.gatewayUrl}/v1/models`).then(() => 'answered', () => 'refused')).toBe('refused');
  }, 60000);
});
