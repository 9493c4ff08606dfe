// Kafka down: requests are unaffected (telemetry waits in the gateway's bounded buffer); Kafka back:
// the buffered records arrive, and cache-manager's index consumer, restarted by kafkajs while the
// broker was away, goes on from where it was (not from the topic's start again). Uses a broker of its
// own, so stopping it disturbs no other test.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import OpenAI from 'openai';
import type { LocalStack } from '@llmd/cli';
import { requestMetricsCodec } from '@llmd/telemetry';
import { builtCli } from '../support/global-setup';
import { waitForRecord } from '../support/kafka-records';
import { endOffsets } from '../support/kv-topic';
import { metricSum } from '../support/metrics';
import { until } from '../support/until';
import { E2E_MODEL, startTestStack } from '../support/test-stack';

describe('Kafka outage', () => {
  const cli = builtCli();
  let stack: LocalStack;
  let broker: { port: number; controllerPort: number; dir: string; bootstrap: string };

  beforeAll(async () => {
    const [port, controllerPort] = await cli.freePorts(2);
    const dir = mkdtempSync(join(tmpdir(), 'llmd-e2e-outage-'));
    const started = await cli.startBroker({ port, controllerPort, dir, heap: '256m' });
    await cli.ensureTopics(started.bootstrap);
    broker = { port, controllerPort, dir, bootstrap: started.bootstrap };
    stack = await startTestStack(1, { kafkaBootstrap: broker.bootstrap });
  }, 150000);

  afterAll(async () => {
    await stack?.stop();
    if (broker) {
      await cli.stopBroker({ dir: broker.dir });
      rmSync(broker.dir, { recursive: true, force: true });
    }
  });

  it('keeps serving while Kafka is down, and delivers the buffered records when it returns', async () => {
    const client = new OpenAI({ baseURL: `${stack.gatewayUrl}/v1`, apiKey: 'unused-locally', maxRetries: 0 });
    await cli.stopBroker({ dir: broker.dir });
    const ids: string[] = [];
    try {
      for (let i = 0; i < 3; i++) {
        const { data, response } = await client.chat.completions.create({ model: E2E_MODEL, messages: [{ role: 'user', content: `while Kafka is down ${i}` }], max_tokens: 2 }).withResponse();
        expect(data.choices[0].message.content?.length).toBeGreaterThan(0);
        ids.push(response.headers.get('x-request-id')!);
      }
    } finally {
      await cli.startBroker({ port: broker.port, controllerPort: broker.controllerPort, dir: broker.dir, heap: '256m' });
    }
    for (const id of ids) {
      const { record } = await waitForRecord(broker.bootstrap, requestMetricsCodec, (r) => r.requestId === id, 60000);
      expect(record.httpStatus).toBe(200);
    }
  }, 120000);

  it('resumes the index consumer after the last record it applied when kafkajs restarts it', async () => {
    const client = new OpenAI({ baseURL: `${stack.gatewayUrl}/v1`, apiKey: 'unused-locally', maxRetries: 0 });
    const ask = async (tag: string) => {
      for (let i = 0; i < 4; i++) await client.chat.completions.create({ model: E2E_MODEL, messages: [{ role: 'user', content: `${tag} ${i}: ${'a long enough prompt to fill several KV blocks '.repeat(8)}` }], max_tokens: 4 });
    };
    const cmLog = (msg: string) => (stack.logs.get('cache-manager') ?? []).filter((l) => l.includes(`"msg":"${msg}"`)).length;
    const onTopic = async () => [...(await endOffsets(broker.bootstrap)).values()].reduce((a, b) => a + b, 0);
    const consumed = () => metricSum(stack.options.ports.cacheManagerOps, 'llmd_cache_manager_kv_event_batches_total');
    await ask('before');
    await until(async () => (await consumed()) >= (await onTopic()), 30000);
    const before = await onTopic();
    const [crashed, joined] = [cmLog('consumer crashed'), cmLog('consumer joined group')];
    const kept = 'ownership consumer crashed; owned work kept until the group moves it';
    const [ownershipCrashed, subscribed] = [cmLog(kept), cmLog('ingesting KV events (this replica owns the pod)')];
    await cli.stopBroker({ dir: broker.dir });
    try {
      // kafkajs gives up on the broker and restarts the consumers (a CRASH with restart: true): the
      // index consumer and the ingest-ownership one.
      await until(async () => cmLog('consumer crashed') > crashed && cmLog(kept) > ownershipCrashed, 90000);
    } finally {
      await cli.startBroker({ port: broker.port, controllerPort: broker.controllerPort, dir: broker.dir, heap: '256m' });
    }
    await until(async () => cmLog('consumer joined group') > joined, 90000);
    expect(cmLog('consumer resumed from its own positions')).toBeGreaterThan(0);
    // The pod was read all through the outage: never let go and subscribed again (a pod without a
    // replay socket lost its whole index to the gap that made).
    const ownershipLines = () => (stack.logs.get('cache-manager') ?? []).filter((l) => /ownership|ingesting KV events|rebalanc|joined group/.test(l)).slice(-30).join('\n');
    if (cmLog('ingesting KV events (this replica owns the pod)') !== subscribed) throw new Error(`the pod was subscribed again across the outage:\n${ownershipLines()}`);
    await ask('after');
    // Every record on the topic (this broker's own, all since the stack started) applied once and no
    // more: a restart from the topic's start would apply the earlier ones again.
    let last = -1;
    await until(async () => {
      const [n, total] = [await consumed(), await onTopic()];
      const settled = n === total && n === last && total > before;
      last = n;
      return settled;
    }, 60000);
  }, 240000);
});
