import type { ServerResponse } from 'node:http';
import { splitPoint, SseWriter } from './sse-writer';

/** The writes a response socket receives (the writer's only dependency). */
function socket() {
  const writes: Buffer[] = [];
  const res = { destroyed: false, ended: false, write: (b: Uint8Array) => writes.push(Buffer.from(b)), end: () => (res.ended = true) };
  return { writes, res };
}

describe('splitPoint', () => {
  it.each<[string, string, number]>([
    ['inside the first multi-byte character', 'data: é', 7],
    ['inside an emoji (after its first byte)', 'ab😀', 3],
    ['ASCII only: the middle', 'abcdef', 3],
  ])('%s', (_name, text, at) => {
    expect(splitPoint(Buffer.from(text))).toBe(at);
  });
});

describe('SseWriter', () => {
  it('writes each event whole, at once, without --split-writes', () => {
    const { writes, res } = socket();
    const w = new SseWriter(res as unknown as ServerResponse, false);
    w.send({ t: 'a' });
    w.send('[DONE]');
    expect(writes.map(String)).toEqual(['data: {"t":"a"}\n\n', 'data: [DONE]\n\n']);
  });

  it('with --split-writes, writes each event in two, cut inside a character, in order, and ends after the last', async () => {
    const { writes, res } = socket();
    const w = new SseWriter(res as unknown as ServerResponse, true);
    w.send({ t: '日本' });
    w.send({ t: 'plain' });
    await w.end();
    expect(res.ended).toBe(true);
    expect(writes).toHaveLength(4);
    expect(Buffer.concat(writes).toString('utf8')).toBe('data: {"t":"日本"}\n\ndata: {"t":"plain"}\n\n');
    expect(writes[0].toString('utf8')).toContain('\ufffd'); // the first write ends inside 日
    expect(writes[1].toString('utf8').startsWith('\ufffd')).toBe(true);
  });
});
