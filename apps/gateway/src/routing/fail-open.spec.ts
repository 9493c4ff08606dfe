import { canServe, failOpenRanking } from './fail-open';
import type { EndpointLoadView } from './routing-types';

const ep = (id: string, waiting: number, opts: Partial<EndpointLoadView> = {}): EndpointLoadView => ({
  id, address: `127.0.0.1:${id.length}`, models: ['m'], loraAdapters: [], waiting, running: 0, inFlight: 0, kvCacheUsage: 0, healthy: true, ...opts,
});

describe('failOpenRanking', () => {
  it.each([
    ['least waiting first', [ep('a', 5), ep('b', 1), ep('c', 3)], 'm', {}, ['b', 'c', 'a']],
    ['healthy before unhealthy', [ep('a', 0, { healthy: false }), ep('b', 9)], 'm', {}, ['b', 'a']],
    ['only endpoints serving the model', [ep('a', 0, { models: ['x'] }), ep('b', 9)], 'm', {}, ['b']],
    ['LoRA adapters count as served', [ep('a', 0, { models: ['x'], loraAdapters: ['m'] })], 'm', {}, ['a']],
    ['the gateway own in-flight counts', [ep('a', 0), ep('b', 1)], 'm', { a: 5 }, ['b', 'a']],
    ['nothing serves the model', [ep('a', 0)], 'z', {}, []],
  ])('%s', (_name, snapshot, model, local, expected) => {
    expect(failOpenRanking(snapshot, model, new Map(Object.entries(local))).map((e) => e.id)).toEqual(expected);
  });
});

describe('canServe', () => {
  it.each([
    ['no endpoint', [], false],
    ['one endpoint', [ep('a', 0)], true],
    ['only unhealthy endpoints (dead pods the scheduler still lists)', [ep('a', 0, { healthy: false })], false],
    ['an unhealthy and a healthy endpoint', [ep('a', 0, { healthy: false }), ep('b', 0)], true],
  ])('%s', (_name, snapshot, expected) => {
    expect(canServe(snapshot)).toBe(expected);
  });
});
