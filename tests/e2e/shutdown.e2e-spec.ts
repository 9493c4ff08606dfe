// SIGTERM: the gateway stops taking new work, lets the in-flight stream finish, and exits 0.
import OpenAI from 'openai';
import type { LocalStack } from '@llmd/cli';
import { E2E_MODEL, startTestStack } from '../support/test-stack';

describe('graceful shutdown', () => {
  let stack: LocalStack;

  beforeAll(async () => {
    stack = await startTestStack(1);
  }, 120000);

  afterAll(async () => {
    await stack?.stop();
  });

  it('finishes an in-flight stream after SIGTERM, then exits 0 and refuses new requests', async () => {
    const client = new OpenAI({ baseURL: `${stack.gatewayUrl}/v1`, apiKey: 'unused-locally', maxRetries: 0 });
    const stream = await client.chat.completions.create({ model: E2E_MODEL, messages: [{ role: 'user', content: 'a long answer please' }], max_tokens: 400, stream: true, ignore_eos: true } as never);
    let tokens = 0;
    let exit: Promise<number | null> | undefined;
    let finish: string | null | undefined;
    for await (const chunk of stream as unknown as AsyncIterable<OpenAI.ChatCompletionChunk>) {
      if (chunk.choices[0]?.delta?.content) tokens++;
      if (chunk.choices[0]?.finish_reason) finish = chunk.choices[0].finish_reason;
      // After the first token, ask the gateway to stop.
      if (tokens === 1 && !exit) exit = stack.kill('gateway', 'SIGTERM');
    }
    expect(finish).toBe('length');
    expect(tokens).toBe(400);
    expect(await exit).toBe(0);
    await expect(fetch(`${stack.gatewayUrl}/v1/models`)).rejects.toThrow();
  });
});
