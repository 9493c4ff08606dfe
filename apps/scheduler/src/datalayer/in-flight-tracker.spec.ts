import { IN_FLIGHT_CASE_REQUEST, IN_FLIGHT_CASES, makeRequest } from '@llmd/scoring/testing';
import { EndpointRegistry } from './endpoint-registry';
import { InFlightTracker } from './in-flight-tracker';

const spec = (id: string) => ({ id, address: `127.0.0.1:1${id.length}`, models: ['m'], role: 'both' as const, loraAdapters: [], labels: {} });

describe('InFlightTracker', () => {
  it.each([
    ['counts picks until completion', ['start r1 a', 'start r2 a', 'complete r1'], { a: [1, 110] }],
    ['counts both endpoints of a disaggregated pick, the prefill side with its prompt and one token', ['start r1 a,b'], { a: [1, 110], b: [1, 101] }],
    ['a disaggregated pick leaves both endpoints at completion', ['start r1 a,b', 'complete r1'], { a: [0, 0], b: [0, 0] }],
    ['ignores unknown completions', ['complete nope'], { a: [0, 0] }],
    ['expires leases', ['start r1 a', 'tick 2000', 'expire'], { a: [0, 0] }],
    ['re-picking a request moves its count', ['start r1 a', 'start r1 b'], { a: [0, 0], b: [1, 110] }],
    ['a request that will not report its first token is not counted as prefill work', ['unstreamed r1 a'], { a: [1, 110, 0] }],
    ['a streamed request is prefill work until its first token', ['start r1 a', 'start r2 a', 'first r1'], { a: [2, 220, 100] }],
    ['an expired lease takes its prefill work off too', ['start r1 a', 'tick 2000', 'expire'], { a: [0, 0, 0] }],
  ])('%s', (_name, steps, expected) => {
    let now = 0;
    const registry = new EndpointRegistry(1e9, () => now);
    registry.upsert(spec('a'));
    registry.upsert(spec('b'));
    const t = new InFlightTracker(registry, 1000, () => now);
    for (const step of steps) {
      const [op, arg, arg2] = step.split(' ');
      const [target, prefill] = arg2?.split(',') ?? [];
      // 100 prompt tokens, up to 10 generated.
      const promptTokenIds = Array.from({ length: 100 }, (_, i) => i);
      if (op === 'start' || op === 'unstreamed') t.start(makeRequest({ requestId: arg, promptTokenIds, maxTokens: 10, reportsFirstToken: op === 'start' }), { target, prefill });
      if (op === 'first') t.firstToken(arg);
      if (op === 'complete') t.complete(arg);
      if (op === 'tick') now += Number(arg);
      if (op === 'expire') t.expire();
    }
    const load = Object.fromEntries(registry.snapshot().map((e) => [e.id, [e.inFlight, e.inFlightTokens, e.inFlightPrefillTokens].slice(0, (expected as Record<string, number[]>)[e.id]?.length ?? 2)]));
    expect(load).toMatchObject(expected);
  });
});

// The shared in-flight cases: the routing simulator runs the same table (tools/bench).
describe('InFlightTracker on the shared in-flight cases', () => {
  it.each(IN_FLIGHT_CASES.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    const registry = new EndpointRegistry(1e9);
    for (const id of ['a', 'p']) registry.upsert(spec(id));
    const t = new InFlightTracker(registry, 60_000);
    const promptTokenIds = Array.from({ length: IN_FLIGHT_CASE_REQUEST.promptTokens }, (_, i) => i);
    for (const step of c.steps) {
      if ('complete' in step) t.complete(step.complete);
      else if ('firstToken' in step) t.firstToken(step.firstToken);
      else t.start(makeRequest({ requestId: step.pick, promptTokenIds, maxTokens: IN_FLIGHT_CASE_REQUEST.maxTokens, reportsFirstToken: IN_FLIGHT_CASE_REQUEST.reportsFirstToken }), { target: step.target, prefill: step.prefill });
    }
    const loads = Object.fromEntries(registry.snapshot().map((e) => [e.id, { inFlight: e.inFlight, inFlightTokens: e.inFlightTokens, inFlightPrefillTokens: e.inFlightPrefillTokens }]));
    expect(loads).toMatchObject(c.loads);
  });
});
