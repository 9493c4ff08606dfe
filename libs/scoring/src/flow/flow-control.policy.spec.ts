import { decideAdmission, DEADLINE_MARGIN_MS, fleetRoom, FlowControlPolicy, holdMs, releaseHeld } from './flow-control.policy';

const policy: FlowControlPolicy = { enabled: true, queueDepthThreshold: 5, kvCacheUsageThreshold: 0.8, maxQueueSize: 3, maxWaitMs: 200 };
const fleet = (healthy: number, roomy: number) => ({ healthy, roomy });

describe('decideAdmission', () => {
  it.each([
    ['off: everything goes', { ...policy, enabled: false }, { priority: -1, queued: 9, fleet: fleet(0, 0) }, { kind: 'admit', reason: 'disabled' }],
    ['room and nobody queued: goes at once', policy, { priority: 0, queued: 0, fleet: fleet(2, 1) }, { kind: 'admit', reason: 'room' }],
    ['room, but others queued first: waits its turn', policy, { priority: 0, queued: 1, fleet: fleet(2, 1) }, { kind: 'hold', waitMs: 200 }],
    ['no healthy endpoint: goes, to be told none can serve it', policy, { priority: -1, queued: 2, fleet: fleet(0, 0) }, { kind: 'admit', reason: 'no-endpoint' }],
    ['saturated, sheddable: refused at once', policy, { priority: -1, queued: 0, fleet: fleet(2, 0) }, { kind: 'refuse', reason: 'saturated-sheddable' }],
    ['saturated, queue full: refused', policy, { priority: 0, queued: 3, fleet: fleet(2, 0) }, { kind: 'refuse', reason: 'queue-full' }],
    ['saturated, queue has space: held up to the maximum wait', policy, { priority: 0, queued: 2, fleet: fleet(2, 0) }, { kind: 'hold', waitMs: 200 }],
    ['saturated, a near deadline: held until just before it', policy, { priority: 5, queued: 0, fleet: fleet(2, 0), deadlineInMs: 100 }, { kind: 'hold', waitMs: 100 - DEADLINE_MARGIN_MS }],
  ] as const)('%s', (_name, p, input, decision) => {
    expect(decideAdmission(p, input)).toEqual(decision);
  });
});

describe('holdMs', () => {
  it.each([
    [undefined, 200],
    [1000, 200],
    [120, 100],
    [DEADLINE_MARGIN_MS, 0],
    [5, 0],
  ])('with the deadline %s ms away holds at most %d ms', (deadlineInMs, ms) => {
    expect(holdMs(policy, deadlineInMs)).toBe(ms);
  });
});

describe('releaseHeld', () => {
  it.each([
    ['one per endpoint with room', 5, fleet(3, 2), { count: 2, reason: 'dequeued' }],
    ['no more than are held', 1, fleet(3, 3), { count: 1, reason: 'dequeued' }],
    ['none while all are saturated', 4, fleet(3, 0), { count: 0, reason: 'dequeued' }],
    ['all of them when no endpoint is healthy', 4, fleet(0, 0), { count: 4, reason: 'no-endpoint' }],
  ] as const)('%s', (_name, queued, f, release) => {
    expect(releaseHeld(queued, f)).toEqual(release);
  });
});

describe('fleetRoom', () => {
  it.each([
    ['healthy with room', [{ healthy: true, waiting: 0, kvCacheUsage: 0.1 }], fleet(1, 1)],
    ['a queue at the threshold is saturated', [{ healthy: true, waiting: 5, kvCacheUsage: 0.1 }], fleet(1, 0)],
    ['a KV cache at the threshold is saturated', [{ healthy: true, waiting: 0, kvCacheUsage: 0.8 }], fleet(1, 0)],
    ['unhealthy endpoints count for nothing', [{ healthy: false, waiting: 0, kvCacheUsage: 0 }, { healthy: true, waiting: 9, kvCacheUsage: 0 }], fleet(1, 0)],
  ])('%s', (_name, endpoints, f) => {
    expect(fleetRoom(endpoints, policy)).toEqual(f);
  });
});
