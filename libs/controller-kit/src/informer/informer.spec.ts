import type { KubernetesObject } from '@kubernetes/client-node';
import { KubeApiError } from '../client/api-error';
import { FakeClock, settle } from '../testing/fake-clock';
import { FakeSource } from '../testing/fake-source';
import { Informer } from './informer';

type Obj = KubernetesObject & { data?: Record<string, string> };
const REF = { group: '', version: 'v1', plural: 'configmaps', kind: 'ConfigMap' };
const obj = (name: string, rv: string, v = '', namespace = 'ns'): Obj => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace, resourceVersion: rv }, data: { v } });

function informer(restartDelayMs = 1000) {
  const source = new FakeSource<Obj>();
  const clock = new FakeClock();
  const inf = new Informer<Obj>(undefined, REF, { source, clock, restartDelayMs });
  const events: string[] = [];
  inf.on((type, o, old) => events.push(`${type} ${o.metadata?.name}${o.data?.v ? ` ${o.data.v}` : ''}${old ? ` (was ${old.data?.v})` : ''}`));
  return { source, clock, inf, events };
}

describe('Informer', () => {
  it('lists, reports the listed objects as adds, and then watches from the list resourceVersion', async () => {
    const { source, inf, events } = informer();
    source.items = [obj('a', '5', '1'), obj('b', '6', '1', 'other')];
    source.resourceVersion = '10';
    await inf.start();
    await settle();
    expect(inf.synced).toBe(true);
    expect(events).toEqual(['add a 1', 'add b 1']);
    expect(source.current?.resourceVersion).toBe('10');
    expect(inf.get('ns', 'a')?.data?.v).toBe('1');
    expect(inf.list('other').map((o) => o.metadata?.name)).toEqual(['b']);
    expect(inf.list()).toHaveLength(2);
  });

  it('applies watch events to the cache and tells handlers, with the old object on updates', async () => {
    const { source, inf, events } = informer();
    await inf.start();
    await settle();
    source.current!.emit({ type: 'ADDED', object: obj('a', '11', '1') });
    source.current!.emit({ type: 'MODIFIED', object: obj('a', '12', '2') });
    source.current!.emit({ type: 'DELETED', object: obj('a', '13', '2') });
    source.current!.emit({ type: 'ADDED', object: obj('b', '14', '1') });
    expect(events).toEqual(['add a 1', 'update a 2 (was 1)', 'delete a 2', 'add b 1']);
    expect(inf.list().map((o) => o.metadata?.name)).toEqual(['b']);
  });

  it('resumes a watch the server ended from the last resourceVersion seen (bookmarks count), without a re-list', async () => {
    const { source, inf } = informer();
    await inf.start();
    await settle();
    source.current!.emit({ type: 'ADDED', object: obj('a', '20') });
    source.current!.emit({ type: 'BOOKMARK', object: { kind: 'ConfigMap', apiVersion: 'v1', metadata: { resourceVersion: '25' } } });
    source.current!.end();
    await settle();
    expect(source.watches).toHaveLength(2);
    expect(source.lists).toBe(1);
    expect(source.watches.map((w) => w.resourceVersion)).toEqual(['1', '25']);
  });

  it('waits the restart delay before resuming a watch the server ended at once and empty', async () => {
    const { source, inf, clock } = informer(1000);
    await inf.start();
    await settle();
    source.current!.end();
    await clock.advance(999);
    expect(source.watches).toHaveLength(1);
    await clock.advance(1);
    expect(source.watches).toHaveLength(2);
    expect(source.lists).toBe(1);
  });

  it('re-lists at once when the watch expired (410), reporting what changed meanwhile', async () => {
    const { source, inf, events } = informer();
    source.items = [obj('keep', '2', '1'), obj('change', '3', '1'), obj('gone', '4', '1')];
    await inf.start();
    await settle();
    events.length = 0;
    source.items = [obj('keep', '2', '1'), obj('change', '30', '2'), obj('new', '31', '1')];
    source.resourceVersion = '40';
    source.current!.emit({ type: 'ERROR', object: { kind: 'Status', code: 410, reason: 'Expired', message: 'too old resource version' } });
    await settle();
    expect(source.lists).toBe(2);
    expect(events).toEqual(['delete gone 1', 'update change 2 (was 1)', 'add new 1']);
    expect(source.current?.resourceVersion).toBe('40');
  });

  it.each([
    ['a failed watch', (s: FakeSource<Obj>) => s.current!.fail(new KubeApiError('WATCH', 'configmaps', 0, '', 'connection reset'))],
    ['an error event', (s: FakeSource<Obj>) => s.current!.emit({ type: 'ERROR', object: { kind: 'Status', code: 500, message: 'internal error' } })],
  ])('re-lists after the restart delay after %s', async (_name, breakIt) => {
    const { source, inf, clock } = informer(1000);
    await inf.start();
    await settle();
    breakIt(source);
    await settle();
    expect(source.lists).toBe(1);
    await clock.advance(999);
    expect(source.lists).toBe(1);
    await clock.advance(1);
    expect(source.lists).toBe(2);
    expect(source.current).toBeDefined();
  });

  it('keeps retrying a failing list, and start() resolves only once a list succeeded', async () => {
    const { source, inf, clock } = informer(500);
    source.listFailures = [new Error('refused'), new Error('refused')];
    let synced = false;
    void inf.start().then(() => (synced = true));
    await settle();
    expect(synced).toBe(false);
    await clock.advance(500);
    expect(synced).toBe(false);
    await clock.advance(500);
    expect(synced).toBe(true);
    expect(source.lists).toBe(3);
  });

  it('stop() ends the watch and cancels a pending restart; start() again re-lists and reports the difference', async () => {
    const { source, inf, clock, events } = informer(1000);
    source.items = [obj('a', '2', '1')];
    await inf.start();
    await settle();
    source.current!.fail(new Error('reset'));
    await settle();
    inf.stop();
    await clock.advance(5000);
    expect(source.lists).toBe(1);
    source.items = [obj('b', '3', '1')];
    await inf.start();
    await settle();
    expect(source.lists).toBe(2);
    expect(events).toEqual(['add a 1', 'delete a 1', 'add b 1']);
    expect(source.watches.filter((w) => !w.aborted)).toHaveLength(1);
  });

  it('a stop() and start() in a row leaves exactly one watch running', async () => {
    const { source, inf } = informer();
    await inf.start();
    await settle();
    inf.stop();
    void inf.start();
    await settle();
    expect(source.watches.filter((w) => !w.aborted)).toHaveLength(1);
    inf.stop();
    await settle();
    expect(source.watches.filter((w) => !w.aborted)).toHaveLength(0);
  });

  it('a handler added after the first list hears the cached objects as adds', async () => {
    const { source, inf } = informer();
    source.items = [obj('a', '2', '1'), obj('b', '3', '1')];
    await inf.start();
    const late: string[] = [];
    inf.on((type, o) => late.push(`${type} ${o.metadata?.name}`));
    expect(late).toEqual(['add a', 'add b']);
    await settle();
    source.current!.emit({ type: 'DELETED', object: obj('a', '4', '1') });
    expect(late).toEqual(['add a', 'add b', 'delete a']);
  });

  it('a throwing handler does not stop the others or the informer', async () => {
    const { source, inf, events } = informer();
    inf.on(() => {
      throw new Error('handler bug');
    });
    await inf.start();
    await settle();
    source.current!.emit({ type: 'ADDED', object: obj('a', '2', '1') });
    source.current!.emit({ type: 'ADDED', object: obj('b', '3', '1') });
    expect(events).toEqual(['add a 1', 'add b 1']);
  });
});
