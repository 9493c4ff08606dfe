import { SseMeter } from './sse-meter';

const chunk = (o: unknown) => `data: ${JSON.stringify(o)}\n\n`;

describe('SseMeter', () => {
  it('measures TTFT, inter-token gaps, usage and [DONE] across split chunks', () => {
    let t = 100;
    const meter = new SseMeter(100, () => t);
    meter.push(chunk({ choices: [{ delta: { role: 'assistant', content: '' } }] }));
    t = 150;
    const first = chunk({ choices: [{ delta: { content: 'Hel' } }] });
    meter.push(first.slice(0, 10));
    meter.push(first.slice(10));
    t = 170;
    meter.push(chunk({ choices: [{ delta: { content: 'lo' } }] }));
    t = 190;
    meter.push(chunk({ choices: [{ delta: { content: '!' } }] }) + chunk({ choices: [], usage: { prompt_tokens: 7, completion_tokens: 3, prompt_tokens_details: { cached_tokens: 4 } } }));
    meter.push('data: [DONE]\n\n');
    expect(meter.report()).toEqual({ ttftMs: 50, itlMs: 20, tokenChunks: 3, usage: { promptTokens: 7, completionTokens: 3, cachedTokens: 4 }, done: true });
  });

  it.each([
    ['completions text chunks', [chunk({ choices: [{ text: 'a' }] }), chunk({ choices: [{ text: 'b' }] })], 2],
    ['malformed data is ignored', ['data: {nope\n\n', chunk({ choices: [{ text: 'a' }] })], 1],
    ['comments and empty deltas are not tokens', [': keep-alive\n\n', chunk({ choices: [{ delta: {} }] })], 0],
    ['a null content or usage is not a token', [chunk({ choices: [{ delta: { content: null } }], usage: null })], 0],
    ['tool-call argument deltas are generated tokens (even one that quotes "text")', [chunk({ choices: [{ delta: { tool_calls: [{ function: { arguments: '{"text":"x"}' } }] } }] }), chunk({ choices: [{ delta: { tool_calls: [{ function: { arguments: '}' } }] } }] })], 2],
    ['a tool-call header with empty arguments is not a token', [chunk({ choices: [{ delta: { role: 'assistant', content: null, tool_calls: [{ id: 'c', function: { name: 'f', arguments: '' } }] } }] })], 0],
    ['reasoning deltas are generated tokens', [chunk({ choices: [{ delta: { reasoning_content: 'hmm' } }] })], 1],
    ['a token chunk that also carries usage (continuous usage stats) counts', [chunk({ choices: [{ delta: { content: 'a' } }], usage: { prompt_tokens: 1, completion_tokens: 1 } })], 1],
  ])('%s', (_name, pieces, tokens) => {
    const meter = new SseMeter(0, () => 1);
    for (const p of pieces) meter.push(p);
    expect(meter.report().tokenChunks).toBe(tokens);
    expect(meter.report().done).toBe(false);
  });
});
