import { FakeClock, settle } from '../testing/fake-clock';
import { ItemExponentialFailureRateLimiter } from './rate-limiter';
import { WorkQueue, WorkQueueMetrics } from './work-queue';

function queue(clock = new FakeClock()) {
  const counts = { added: 0, retried: 0, depth: 0, queued: [] as number[], worked: [] as number[] };
  const metrics: WorkQueueMetrics = {
    added: () => counts.added++,
    retried: () => counts.retried++,
    depth: (n) => (counts.depth = n),
    queued: (s) => counts.queued.push(s),
    worked: (s) => counts.worked.push(s),
  };
  return { q: new WorkQueue({ clock, metrics, rateLimiter: new ItemExponentialFailureRateLimiter(5, 1000) }), clock, counts };
}

/** Whether get() has resolved by the time pending callbacks have run. */
async function poll(q: WorkQueue): Promise<{ key: string | undefined; resolved: boolean }> {
  const result = { key: undefined as string | undefined, resolved: false };
  void q.get().then((key) => Object.assign(result, { key, resolved: true }));
  await settle();
  return result;
}

describe('WorkQueue', () => {
  it('holds a key once however often it is added, in first-add order', async () => {
    const { q, counts } = queue();
    for (const k of ['a', 'b', 'a', 'c', 'b']) q.add(k);
    expect(q.length).toBe(3);
    expect(counts.added).toBe(3);
    expect(counts.depth).toBe(3);
    expect([await q.get(), await q.get(), await q.get()]).toEqual(['a', 'b', 'c']);
    expect(q.length).toBe(0);
  });

  it('never hands out a key being processed; one re-added meanwhile comes back after done()', async () => {
    const { q } = queue();
    q.add('a');
    expect(await q.get()).toBe('a');
    q.add('a');
    q.add('a');
    expect(q.length).toBe(0);
    const waiting = await poll(q);
    expect(waiting.resolved).toBe(false);
    q.done('a');
    await settle();
    expect(waiting).toEqual({ key: 'a', resolved: true });
    q.done('a');
    expect(q.length).toBe(0);
  });

  it('a key done without a re-add is not handed out again', async () => {
    const { q } = queue();
    q.add('a');
    await q.get();
    q.done('a');
    expect((await poll(q)).resolved).toBe(false);
  });

  it('wakes a waiting get() when a key arrives', async () => {
    const { q } = queue();
    const waiting = await poll(q);
    q.add('x');
    await settle();
    expect(waiting).toEqual({ key: 'x', resolved: true });
  });

  it('addAfter waits on the clock; of two delays for one key the earlier wins', async () => {
    const { q, clock } = queue();
    q.addAfter('a', 100);
    q.addAfter('a', 50);
    q.addAfter('a', 200);
    q.addAfter('b', 0);
    expect(q.length).toBe(1);
    expect(clock.pendingDelays()).toEqual([50]);
    await clock.advance(49);
    expect(q.length).toBe(1);
    await clock.advance(1);
    expect(q.length).toBe(2);
    await clock.advance(500);
    expect(q.length).toBe(2);
  });

  it('addRateLimited backs off per key until forget()', async () => {
    const { q, clock, counts } = queue();
    q.addRateLimited('a');
    q.addRateLimited('a');
    expect(clock.pendingDelays()).toEqual([5]);
    await clock.advance(5);
    expect(await q.get()).toBe('a');
    q.done('a');
    q.addRateLimited('a');
    expect(q.numRequeues('a')).toBe(3);
    expect(clock.pendingDelays()).toEqual([20]);
    q.forget('a');
    expect(q.numRequeues('a')).toBe(0);
    expect(counts.retried).toBe(3);
  });

  it('measures queue and work durations on its clock', async () => {
    const { q, clock, counts } = queue();
    q.add('a');
    await clock.advance(250);
    await q.get();
    await clock.advance(1500);
    q.done('a');
    expect(counts.queued).toEqual([0.25]);
    expect(counts.worked).toEqual([1.5]);
  });

  it('after shutDown ignores adds, drops delayed keys, hands out what was queued, then undefined', async () => {
    const { q, clock } = queue();
    const waiting = await poll(q);
    q.add('a');
    await settle();
    q.add('b');
    q.addAfter('c', 10);
    q.shutDown();
    q.add('d');
    q.addRateLimited('e');
    expect(q.isShuttingDown).toBe(true);
    expect(waiting.key).toBe('a');
    expect(await q.get()).toBe('b');
    await clock.advance(100);
    expect(await q.get()).toBeUndefined();
  });

  it('shutDown wakes every waiting get() with undefined', async () => {
    const { q } = queue();
    const waiters = [await poll(q), await poll(q)];
    q.shutDown();
    await settle();
    expect(waiters).toEqual([{ key: undefined, resolved: true }, { key: undefined, resolved: true }]);
  });

  it('shutDownWithDrain resolves once the queued keys are handed out and every key in process is done', async () => {
    const { q } = queue();
    q.add('a');
    q.add('b');
    expect(await q.get()).toBe('a');
    let drained = false;
    void q.shutDownWithDrain().then(() => (drained = true));
    await settle();
    expect(drained).toBe(false);
    q.done('a');
    await settle();
    expect(drained).toBe(false);
    expect(await q.get()).toBe('b');
    q.done('b');
    await settle();
    expect(drained).toBe(true);
  });

  it('shutDownWithDrain of an idle queue resolves at once', async () => {
    const { q } = queue();
    await expect(q.shutDownWithDrain()).resolves.toBeUndefined();
  });
});
