import { SseRelay } from './sse-relay';

const ev = (o: unknown, eol = '\n') => `data: ${JSON.stringify(o)}${eol}${eol}`;
const token = (content: string, eol?: string) => ev({ id: 'c', object: 'chat.completion.chunk', choices: [{ index: 0, delta: { content } }] }, eol);
const usageEvent = (eol?: string) => ev({ id: 'c', object: 'chat.completion.chunk', choices: [], usage: { prompt_tokens: 7, completion_tokens: 4, prompt_tokens_details: { cached_tokens: 3 } } }, eol);

/** A stream with 2-byte (é), 3-byte (漢) and 4-byte (😀) characters, its usage event, and [DONE]. */
function stream(eol = '\n'): { bytes: Buffer; withoutUsage: Buffer } {
  const head = ev({ id: 'c', choices: [{ index: 0, delta: { role: 'assistant', content: '' } }] }, eol) + token('café', eol) + token('漢字', eol) + token('😀', eol) + token(' naïve 😀漢é', eol) + ev({ id: 'c', choices: [{ index: 0, delta: {}, finish_reason: 'length' }] }, eol);
  const tail = `data: [DONE]${eol}${eol}`;
  return { bytes: Buffer.from(head + usageEvent(eol) + tail), withoutUsage: Buffer.from(head + tail) };
}

/** Relays `pieces` (one read each), returns the bytes written and the relay's report. */
function relay(pieces: Buffer[], strip: boolean) {
  let t = 0;
  const r = new SseRelay(0, strip, () => ++t);
  const out = pieces.map((p) => r.push(p));
  out.push(r.flush());
  return { bytes: Buffer.concat(out), report: r.report() };
}

const splits = (b: Buffer) => Array.from({ length: b.length + 1 }, (_, i) => [b.subarray(0, i), b.subarray(i)]);
const bytewise = (b: Buffer) => Array.from(b, (x) => Buffer.from([x]));

describe('SseRelay', () => {
  describe.each([
    ['LF', '\n'],
    ['CRLF', '\r\n'],
    ['CR', '\r'],
  ])('a non-ASCII stream with %s line ends', (_name, eol) => {
    const { bytes, withoutUsage } = stream(eol);
    const whole = relay([bytes], false).report;

    it('is metered whole: 4 token events, usage, [DONE]', () => {
      expect(whole).toMatchObject({ tokenChunks: 4, usage: { promptTokens: 7, completionTokens: 4, cachedTokens: 3 }, done: true });
    });

    it.each([
      ['relayed as received', false],
      ['with the usage event removed', true],
    ])('split at every byte offset into two reads: %s, metered the same', (_how, strip) => {
      for (const pieces of splits(bytes)) {
        const out = relay(pieces, strip);
        expect(out.bytes.equals(strip ? withoutUsage : bytes)).toBe(true);
        expect(out.report).toEqual(whole);
      }
    });

    it.each([
      ['relayed as received', false],
      ['with the usage event removed', true],
    ])('in one-byte reads: %s, metered the same', (_how, strip) => {
      const out = relay(bytewise(bytes), strip);
      expect(out.bytes.toString('utf8')).toBe((strip ? withoutUsage : bytes).toString('utf8'));
      expect(out.report).toEqual(whole);
    });
  });

  it('measures TTFT and the mean inter-token gap from the events that carry text', () => {
    let t = 100;
    const r = new SseRelay(100, false, () => t);
    r.push(Buffer.from(ev({ choices: [{ delta: { role: 'assistant', content: '' } }] })));
    t = 150;
    r.push(Buffer.from(token('Hel')));
    t = 170;
    r.push(Buffer.from(token('lo')));
    t = 190;
    r.push(Buffer.from(token('!') + usageEvent() + 'data: [DONE]\n\n'));
    expect(r.report()).toEqual({ ttftMs: 50, itlMs: 20, tokenChunks: 3, usage: { promptTokens: 7, completionTokens: 4, cachedTokens: 3 }, done: true });
  });

  it('returns the read itself when nothing is removed (no copy on the hot path)', () => {
    const read = Buffer.from(token('a') + usageEvent());
    expect(new SseRelay(0, false).push(read)).toBe(read);
    const noUsage = Buffer.from(token('a') + token('b'));
    expect(new SseRelay(0, true).push(noUsage)).toBe(noUsage);
  });

  it.each([
    ['completions text events', [ev({ choices: [{ text: 'a' }] }), ev({ choices: [{ text: 'b' }] })], 2],
    ['malformed data is ignored', ['data: {nope\n\n', ev({ choices: [{ text: 'a' }] })], 1],
    ['comments and empty deltas are not tokens', [': keep-alive\n\n', ev({ choices: [{ delta: {} }] })], 0],
    ['a null content or usage is not a token', [ev({ choices: [{ delta: { content: null } }], usage: null })], 0],
    ['tool-call argument deltas are tokens (even one that quotes "text")', [ev({ choices: [{ delta: { tool_calls: [{ function: { arguments: '{"text":"x"}' } }] } }] }), ev({ choices: [{ delta: { tool_calls: [{ function: { arguments: '}' } }] } }] })], 2],
    ['a tool-call header with empty arguments is not a token', [ev({ choices: [{ delta: { role: 'assistant', content: null, tool_calls: [{ id: 'c', function: { name: 'f', arguments: '' } }] } }] })], 0],
    ['reasoning deltas are tokens', [ev({ choices: [{ delta: { reasoning_content: 'hmm' } }] })], 1],
    ['a token event that also carries usage (continuous usage stats) counts', [ev({ choices: [{ delta: { content: 'a' } }], usage: { prompt_tokens: 1, completion_tokens: 1 } })], 1],
    ['spaces after the colons (another server\'s JSON)', ['data: {"choices": [{"delta": {"content": "a"}}]}\n\n', 'data: {"choices": [], "usage": {"prompt_tokens": 2}}\n\n'], 1],
  ])('meters %s', (_name, pieces, tokens) => {
    const out = relay(pieces.map((p) => Buffer.from(p)), false);
    expect(out.report.tokenChunks).toBe(tokens);
    expect(out.report.done).toBe(false);
  });

  it.each([
    ['a token event that also carries usage (continuous usage)', ev({ choices: [{ delta: { content: 'a' } }], usage: { prompt_tokens: 1 } })],
    ['an error event', 'data: {"error":{"message":"x"}}\n\n'],
    ['a comment', ': keep-alive\n\n'],
    ['a usage-only event with a second line', 'data: {"choices":[],"usage":{"prompt_tokens":1}}\nid: 3\n\n'],
    ['a usage-only event after a comment line', ': c\ndata: {"choices":[],"usage":{"prompt_tokens":1}}\n\n'],
    ['an unfinished event at the end of the stream', 'data: {"choices":[],"usage":{"prompt_tokens":1}}\n'],
  ])('keeps %s when stripping', (_name, event) => {
    expect(relay([Buffer.from(event)], true).bytes.toString()).toBe(event);
  });
});
