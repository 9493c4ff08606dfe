// Kafka down: requests are unaffected (telemetry waits in the gateway's bounded buffer); Kafka back:
// the buffered records arrive. Runs last in its file: it stops and restarts the suite's broker.
import OpenAI from 'openai';
import type { LocalStack } from '@llmd/cli';
import { requestMetricsCodec } from '@llmd/telemetry';
import { builtCli } from '../support/global-setup';
import { waitForRecord } from '../support/kafka-records';
import { E2E_MODEL, startTestStack } from '../support/test-stack';

describe('Kafka outage', () => {
  let stack: LocalStack;

  beforeAll(async () => {
    stack = await startTestStack(1);
  }, 120000);

  afterAll(async () => {
    await stack?.stop();
  });

  it('keeps serving while Kafka is down, and delivers the buffered records when it returns', async () => {
    const cli = builtCli();
    const dir = process.env.LLMD_E2E_KAFKA_DIR!;
    const [port, controllerPort] = process.env.LLMD_E2E_KAFKA_PORTS!.split(',').map(Number);
    const client = new OpenAI({ baseURL: `${stack.gatewayUrl}/v1`, apiKey: 'unused-locally', maxRetries: 0 });

    await cli.stopBroker({ dir });
    const ids: string[] = [];
    try {
      for (let i = 0; i < 3; i++) {
        const { data, response } = await client.chat.completions.create({ model: E2E_MODEL, messages: [{ role: 'user', content: `while Kafka is down ${i}` }], max_tokens: 2 }).withResponse();
        expect(data.choices[0].message.content?.length).toBeGreaterThan(0);
        ids.push(response.headers.get('x-request-id')!);
      }
    } finally {
      await cli.startBroker({ port, controllerPort, dir, heap: '384m' });
    }
    for (const id of ids) {
      const { record } = await waitForRecord(process.env.LLMD_E2E_KAFKA!, requestMetricsCodec, (r) => r.requestId === id, 60000);
      expect(record.httpStatus).toBe(200);
    }
  }, 120000);
});
