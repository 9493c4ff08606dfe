// The autoscaler on the local stack, end to end: a P/D stack (one prefill, one decode pod of two
// sequences each), the pool control server, and the real autoscaler app on its local actuator with the
// saturation policy. A load step through the gateway saturates decode; the autoscaler adds a decode
// pod, which registers, receives traffic, and every request of the step is answered.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import OpenAI from 'openai';
import { freePorts, LocalStack, PoolControl, type PoolEvent } from '@llmd/cli';
import { TestSchedulerClient } from '../support/scheduler-client';
import { E2E_MODEL, startTestStack } from '../support/test-stack';
import { metricSum } from '../support/metrics';
import { until } from '../support/until';

describe('autoscaler on the local stack (P/D, saturation policy)', () => {
  let stack: LocalStack;
  let control: PoolControl;
  let registryDir: string;
  let controlPort: number;
  const events: PoolEvent[] = [];

  beforeAll(async () => {
    registryDir = mkdtempSync(join(tmpdir(), 'llmd-autoscale-'));
    [controlPort] = await freePorts(1);
    stack = await startTestStack(2, {
      roles: ['prefill', 'decode'],
      simArgs: ['--max-num-seqs', '2'],
      timeScale: 0.5,
      schedulerEnv: { LLMD_SCHEDULER_PROFILE: 'pd', LLMD_SCHEDULER_LOAD_PUBLISH_INTERVAL_MS: '250' },
      scalable: { registryDir },
      autoscalerEnv: {
        LLMD_AUTOSCALER_ACTUATOR: 'local',
        LLMD_AUTOSCALER_LOCAL_URL: `http://127.0.0.1:${controlPort}`,
        LLMD_AUTOSCALER_SYNC_SECONDS: '1',
        LLMD_AUTOSCALER_SEED_HISTORY: 'false',
      },
      // The autoscaler is ready once it has listed the pools: the server comes first.
      beforeReady: async (s) => {
        control = new PoolControl({
          launcher: s,
          model: E2E_MODEL,
          maxPods: 3,
          pools: [
            { name: 'prefill', autoscaling: { minReplicas: 1, maxReplicas: 1, startupSeconds: 5 } },
            // Scale-up at once; scale-down only after the test (the HPA's 300 s window).
            { name: 'decode', autoscaling: { minReplicas: 1, maxReplicas: 2, startupSeconds: 5, behavior: { scaleUp: { stabilizationWindowSeconds: 0 } } } },
          ],
          onEvent: (e) => events.push(e),
        });
        await control.listen(controlPort);
      },
    });
  }, 180000);

  afterAll(async () => {
    await control?.close();
    await stack?.stop();
    if (registryDir) rmSync(registryDir, { recursive: true, force: true });
  });

  it('a load step makes the autoscaler add a decode pod, which then serves requests; every request is answered', async () => {
    const openai = new OpenAI({ baseURL: `${stack.gatewayUrl}/v1`, apiKey: 'unused-locally', maxRetries: 0 });
    const pools = () => control.list();
    expect(pools().map((p) => [p.name, p.replicas, p.readyReplicas, p.endpointIds])).toEqual([
      ['prefill', 1, 1, ['sim-0']],
      ['decode', 1, 1, ['sim-1']],
    ]);

    // The step: 12 clients, each sending short prompts with long answers back to back, against one
    // decode pod that runs two sequences at a time (ten wait: saturated).
    let stepping = true;
    let answered = 0;
    const failures: string[] = [];
    const client = async (c: number) => {
      for (let i = 0; stepping; i++) {
        try {
          const r = await openai.chat.completions.create({ model: E2E_MODEL, messages: [{ role: 'user', content: `client ${c} question ${i}` }], max_tokens: 120 });
          if (r.choices[0]?.message?.content) answered++;
          else failures.push(`client ${c} #${i}: empty answer`);
        } catch (err) {
          failures.push(`client ${c} #${i}: ${(err as Error).message}`);
        }
      }
    };
    const load = Promise.all(Array.from({ length: 12 }, (_, c) => client(c)));
    try {
      await until(async () => events.some((e) => e.type === 'scale' && e.pool === 'decode' && e.to === 2), 90000);
      await until(async () => pools()[1].readyReplicas === 2, 60000);
      const added = stack.pods().find((p) => p.role === 'decode' && p.name !== 'sim-1')!;
      expect(added).toMatchObject({ name: 'sim-2', pool: 'decode', state: 'ready' });
      // The scheduler knows it from the registry, with its pool label, and routes to it.
      const scheduler = new TestSchedulerClient(`127.0.0.1:${stack.options.ports.scheduler}`);
      try {
        await until(async () => (await scheduler.listEndpoints()).some((e) => e.endpoint?.id === 'sim-2' && e.healthy), 30000);
        const endpoints = await scheduler.listEndpoints();
        expect(endpoints.map((e) => [e.endpoint?.id, e.endpoint?.labels['llm-d.io/pool']]).sort()).toEqual([['sim-0', 'prefill'], ['sim-1', 'decode'], ['sim-2', 'decode']]);
      } finally {
        scheduler.close();
      }
      await until(async () => (await metricSum(added.port, 'vllm:generation_tokens_total')) > 0, 30000);
    } finally {
      stepping = false;
      await load;
    }

    expect(failures).toEqual([]);
    expect(answered).toBeGreaterThan(12);
    expect(events.filter((e) => e.type === 'scale')).toEqual([{ type: 'scale', pool: 'decode', from: 1, to: 2 }]);
    expect(events).toContainEqual(expect.objectContaining({ type: 'pod-ready', pool: 'decode', pod: 'sim-2' }));
    expect(pools().map((p) => [p.name, p.replicas, p.readyReplicas])).toEqual([
      ['prefill', 1, 1],
      ['decode', 2, 2],
    ]);

    // The decision that did it, with its reason, on the autoscaler's /debug/decisions.
    const debug = (await (await fetch(`http://127.0.0.1:${stack.options.ports.autoscalerOps}/debug/decisions`)).json()) as { actuator: string; pools: Record<string, { desiredReplicas: number; reason: string; applied: boolean }[]> };
    expect(debug.actuator).toBe('local');
    expect(debug.pools['local/decode']).toContainEqual(expect.objectContaining({ desiredReplicas: 2, applied: true, reason: expect.stringMatching(/^(all-saturated|spare-kv-low|spare-queue-low)$/) }));
  }, 240000);

  it('scaling down through the server unregisters the newest decode pod, then stops it', async () => {
    const res = await fetch(`http://127.0.0.1:${controlPort}/pools/decode/scale`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: '{"spec":{"replicas":1}}' });
    expect([res.status, await res.json()]).toEqual([200, { spec: { replicas: 1 }, status: { replicas: 2 } }]);
    await control.settled();
    expect(stack.pods().map((p) => p.name)).toEqual(['sim-0', 'sim-1']);
    expect(events.at(-1)).toEqual({ type: 'pod-removed', pool: 'decode', pod: 'sim-2' });
    const scheduler = new TestSchedulerClient(`127.0.0.1:${stack.options.ports.scheduler}`);
    try {
      expect((await scheduler.listEndpoints()).map((e) => e.endpoint?.id).sort()).toEqual(['sim-0', 'sim-1']);
    } finally {
      scheduler.close();
    }
  });
});
