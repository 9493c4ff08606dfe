// Traces across the real stack: every service exports its spans over OTLP to a receiver in the test.
// One P/D request through the gateway must show its phases as spans of one trace: the server span
// (receive .. done), llmd.pick (with the scheduler's own Scheduler.Pick beneath it, across gRPC),
// llmd.prefill, and llmd.decode with a first_token event.
import OpenAI from 'openai';
import type { LocalStack } from '@llmd/cli';
import { OtlpReceiver, ReceivedSpan } from '../support/otlp-receiver';
import { E2E_MODEL, startTestStack } from '../support/test-stack';
import { until } from '../support/until';

describe('tracing: a request\'s phases as spans of one trace', () => {
  let stack: LocalStack;
  const receiver = new OtlpReceiver();

  beforeAll(async () => {
    await receiver.start();
    stack = await startTestStack(2, { roles: ['prefill', 'decode'], schedulerEnv: { LLMD_SCHEDULER_PROFILE: 'pd' }, env: receiver.env() });
  }, 120000);

  afterAll(async () => {
    await stack?.stop();
    await receiver.stop();
  });

  it('receive -> pick (-> Scheduler.Pick) -> prefill -> decode -> first token -> done', async () => {
    const client = new OpenAI({ baseURL: `${stack.gatewayUrl}/v1`, apiKey: 'unused-locally', maxRetries: 0 });
    const { data: stream, response } = await client.chat.completions
      .create({ model: E2E_MODEL, messages: [{ role: 'user', content: 'A long document to trace, paragraph after paragraph. '.repeat(80) }], max_tokens: 4, stream: true })
      .withResponse();
    for await (const chunk of stream) void chunk;
    expect(response.headers.get('x-llmd-prefill-endpoint')).toBe('sim-0');
    const requestId = response.headers.get('x-request-id');

    let server: ReceivedSpan | undefined;
    const inTrace = () => receiver.spans.filter((s) => s.traceId === server?.traceId);
    await until(async () => {
      server = receiver.spans.find((s) => s.service === 'llmd-gateway' && s.attributes['llmd.request_id'] === requestId);
      const names = inTrace().map((s) => s.name);
      return ['llmd.pick', 'llmd.prefill', 'llmd.decode', 'Scheduler.Pick'].every((n) => names.includes(n));
    }, 20000);

    const byName = (name: string) => inTrace().find((s) => s.name === name)!;
    expect(server!.name).toBe('POST /v1/chat/completions');
    for (const phase of ['llmd.pick', 'llmd.prefill', 'llmd.decode']) expect(byName(phase).parentSpanId).toBe(server!.spanId);
    expect(byName('llmd.pick').attributes).toMatchObject({ 'llmd.target': 'sim-1', 'llmd.prefill': 'sim-0', 'llmd.fail_open': false });
    // The scheduler's span continues the gateway's trace across the PickStream message.
    expect(byName('Scheduler.Pick')).toMatchObject({ service: 'llmd-scheduler', parentSpanId: byName('llmd.pick').spanId });
    expect(byName('llmd.prefill').attributes['llmd.endpoint']).toBe('sim-0');
    expect(byName('llmd.decode').attributes).toMatchObject({ 'llmd.endpoint': 'sim-1', 'http.response.status_code': 200 });
    expect(byName('llmd.decode').events).toContain('first_token');
  });
});
