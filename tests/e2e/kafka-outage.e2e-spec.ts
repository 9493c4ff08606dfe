// Kafka down: requests are unaffected (telemetry waits in the gateway's bounded buffer); Kafka back:
// the buffered records arrive. Uses a broker of its own, so stopping it disturbs no other test.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import OpenAI from 'openai';
import type { LocalStack } from '@llmd/cli';
import { requestMetricsCodec } from '@llmd/telemetry';
import { builtCli } from '../support/global-setup';
import { waitForRecord } from '../support/kafka-records';
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
});
