import { UsageStripper } from './usage-stripper';

const ev = (o: unknown) => `data: ${JSON.stringify(o)}\n\n`;

describe('UsageStripper', () => {
  it('removes the usage-only chunk and keeps every other byte, across split chunks', () => {
    const stream = ev({ choices: [{ delta: { content: 'a' } }] }) + ev({ choices: [{ delta: {}, finish_reason: 'length' }] }) + ev({ id: 'x', choices: [], usage: { prompt_tokens: 3 } }) + 'data: [DONE]\n\n';
    const s = new UsageStripper();
    let out = '';
    for (let i = 0; i < stream.length; i += 7) out += s.push(stream.slice(i, i + 7));
    out += s.flush();
    expect(out).toBe(ev({ choices: [{ delta: { content: 'a' } }] }) + ev({ choices: [{ delta: {}, finish_reason: 'length' }] }) + 'data: [DONE]\n\n');
  });

  it.each([
    ['a chunk with choices and usage (continuous usage)', ev({ choices: [{ delta: { content: 'a' } }], usage: { prompt_tokens: 1 } })],
    ['an error event', 'data: {"error":{"message":"x"}}\n\n'],
    ['a comment', ': keep-alive\n\n'],
  ])('keeps %s', (_name, event) => {
    expect(new UsageStripper().push(event)).toBe(event);
  });
});
