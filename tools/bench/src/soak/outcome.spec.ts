import { classify, faultImpact, tally, type Finished, type Observed } from './outcome';

const base: Observed = { stream: true, sawDone: false, sawErrorEvent: false, completeBody: false, gatewayDied: false };

describe('classify', () => {
  it.each<[string, Partial<Observed>, string]>([
    ['a stream to [DONE]', { status: 200, sawDone: true }, 'answered'],
    ['a whole JSON body', { status: 200, stream: false, completeBody: true }, 'answered'],
    ['a stream ended by an error event', { status: 200, sawErrorEvent: true, sawDone: true }, 'sse-error'],
    ['a 429', { status: 429, stream: false }, 'http-4xx'],
    ['a 503', { status: 503 }, 'http-5xx'],
    ['a stream truncated without an error event', { status: 200 }, 'lost'],
    ['a stream reset mid-way', { status: 200, failure: 'reset' }, 'lost'],
    ['a reset before any status', { failure: 'reset' }, 'lost'],
    ['a reset by a gateway that was killed', { failure: 'reset', gatewayDied: true }, 'severed'],
    ['a stream cut by a gateway that was killed', { status: 200, gatewayDied: true }, 'severed'],
    ['no answer within the timeout', { status: 200, failure: 'timeout' }, 'hung'],
    ['a client abort', { status: 200, failure: 'aborted' }, 'aborted'],
    ['both gateways refusing', { failure: 'refused' }, 'unreachable'],
    ['a 200 whose body did not parse', { status: 200, stream: false }, 'lost'],
  ])('%s is %s', (_name, o, outcome) => {
    expect(classify({ ...base, ...o })).toBe(outcome);
  });
});

describe('faultImpact', () => {
  const r = (startMs: number, endMs: number, outcome: Finished['outcome'], retried = false): Finished => ({ startMs, endMs, outcome, retried });
  const requests = [r(0, 900, 'answered'), r(900, 1500, 'sse-error'), r(1100, 1400, 'answered', true), r(2500, 2600, 'http-5xx'), r(4000, 4100, 'answered')];

  it('counts requests in flight at the fault or started before the target was back', () => {
    const impact = faultImpact({ atMs: 1000, backAtMs: 3000 }, requests);
    expect(impact).toEqual({ affected: 3, outcomes: { 'sse-error': 1, answered: 1, 'http-5xx': 1 }, retried: 1, backMs: 2000, errorsForMs: 1600, recoverMs: 2000 });
  });

  it('recovers when the last failed request ended, if that is after the target came back', () => {
    expect(faultImpact({ atMs: 1000, backAtMs: 1200 }, requests).recoverMs).toBe(500);
  });

  it('has no recovery time for a target that never came back', () => {
    const impact = faultImpact({ atMs: 1000 }, requests);
    expect(impact.recoverMs).toBeNull();
    expect(impact.affected).toBe(4);
  });

  it('tallies every outcome', () => {
    expect(tally(requests)).toMatchObject({ answered: 3, 'sse-error': 1, 'http-5xx': 1, lost: 0 });
  });
});
