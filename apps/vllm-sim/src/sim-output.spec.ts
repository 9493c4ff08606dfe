// Non-ASCII output over real sockets: multilingual streams decode back to the joined deltas, and
// --split-writes cuts characters across socket writes without changing the bytes.
import { postStream, startPod, type RunningPod } from './testing/running-pod';

type ChatChunk = { choices: { index: number; delta: { content?: string } }[] };
type TextChunk = { choices: { index: number; text: string }[] };

describe('vllm-sim --output-text multilingual', () => {
  let pod: RunningPod;
  let split: RunningPod;

  beforeAll(async () => {
    pod = await startPod('e2e/llama-3.2-1b', ['--output-text', 'multilingual']);
    split = await startPod('Qwen/Qwen3-8B', ['--output-text', 'multilingual', '--split-writes']);
  }, 60000);
  afterAll(async () => {
    await pod?.close();
    await split?.close();
  });

  it.each([
    ['chat', '/v1/chat/completions', { messages: [{ role: 'user', content: 'Say something in many languages' }] }],
    ['completions', '/v1/completions', { prompt: 'Say something in many languages' }],
  ])('streams %s whose deltas join to the non-streamed text, with empty deltas where a character is incomplete', async (_kind, path, body) => {
    const req = { model: 'e2e/llama-3.2-1b', max_tokens: 120, ignore_eos: true, seed: 3, ...body };
    const { events } = await postStream(`${pod.url}${path}`, req);
    const chunks = events.filter((e): e is ChatChunk & TextChunk => e !== '[DONE]' && (e as ChatChunk).choices.length > 0);
    const deltas = chunks.map((c) => c.choices[0].delta?.content ?? c.choices[0].text ?? '');
    const streamed = deltas.join('');
    expect(streamed).toMatch(/[\u0080-\u{10ffff}]/u); // non-ASCII text
    expect(streamed).not.toContain('\ufffd');
    expect(deltas.filter((d) => d === '').length).toBeGreaterThan(0); // tokens ending inside a character
    const whole = await fetch(`${pod.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(req) });
    const json = (await whole.json()) as { choices: { text?: string; message?: { content: string } }[] };
    expect(streamed).toBe(json.choices[0].message?.content ?? json.choices[0].text);
  });

  it('with --split-writes, serves the same bytes with characters cut across writes', async () => {
    const req = { model: 'Qwen/Qwen3-8B', messages: [{ role: 'user', content: 'hi' }], max_tokens: 60, ignore_eos: true, seed: 5 };
    const { reads, events } = await postStream(`${split.url}/v1/chat/completions`, req);
    const streamed = events
      .filter((e): e is ChatChunk => e !== '[DONE]')
      .map((c) => c.choices[0]?.delta?.content ?? '')
      .join('');
    expect(streamed).toMatch(/[\u0080-\u{10ffff}]/u);
    expect(streamed).not.toContain('\ufffd');
    expect(events[events.length - 1]).toBe('[DONE]');
    // The bytes joined decode clean, while some read ends inside a character: a relay that decodes
    // each read on its own (the gateway defect) would show U+FFFD.
    expect(Buffer.concat(reads).toString('utf8')).not.toContain('\ufffd');
    expect(reads.some((r) => r.toString('utf8').includes('\ufffd'))).toBe(true);
  });
});
