import { Writable } from 'node:stream';
import { drained } from './drain';

/** A writable that holds every write until released, like a client that stopped reading. */
function slowSink() {
  const held: (() => void)[] = [];
  const sink = new Writable({ highWaterMark: 4, write: (_chunk, _enc, cb) => void held.push(cb) });
  return { sink, release: () => held.splice(0).forEach((cb) => cb()) };
}

describe('drained', () => {
  it('resolves on drain and leaves no listener behind, however often it waits', async () => {
    const { sink, release } = slowSink();
    for (let i = 0; i < 50; i++) {
      expect(sink.write('more than four bytes')).toBe(false);
      const wait = drained(sink);
      release();
      await wait;
    }
    expect(sink.listenerCount('close')).toBe(0);
    expect(sink.listenerCount('drain')).toBe(0);
  });

  it('resolves when the writable closes instead', async () => {
    const { sink } = slowSink();
    sink.write('more than four bytes');
    const wait = drained(sink);
    sink.destroy();
    await expect(wait).resolves.toBeUndefined();
    expect(sink.listenerCount('drain')).toBe(0);
  });

  it('resolves at once on a writable that is already gone', async () => {
    const { sink } = slowSink();
    sink.destroy();
    await expect(drained(sink)).resolves.toBeUndefined();
  });
});
