import { Counter, Registry } from 'prom-client';
import { FLOW_CASE_POLICY, FLOW_CONTROL_CASES, makeEndpoint } from '@llmd/scoring/testing';
import type { Endpoint } from '@llmd/scoring';
import { FlowController } from './flow-controller';

const options = { enabled: true, queueDepthThreshold: 5, kvCacheUsageThreshold: 0.8, maxQueueSize: 3, maxWaitMs: 200, objectives: { critical: 10, batch: -1 } };

function make(fleet: { current: Endpoint[] }) {
  const counter = new Counter({ name: 'flow_test_total', help: 'x', labelNames: ['outcome'], registers: [new Registry()] });
  return new FlowController(options, (keep) => fleet.current.filter((e) => e.healthy && keep(e.metrics)).length, counter);
}

const saturated = () => [makeEndpoint('a').queue(9).build(), makeEndpoint('b').kvUsage(0.95).build()];
const roomy = () => [makeEndpoint('a').queue(9).build(), makeEndpoint('b').build()];

describe('FlowController', () => {
  it('admits at once while an endpoint has room', async () => {
    expect(await make({ current: roomy() }).admit(0, 't', undefined)).toEqual({ admitted: true });
  });

  it('refuses sheddable requests at once when everything is saturated', async () => {
    const flow = make({ current: saturated() });
    expect(await flow.admit(flow.priorityOf('batch', 0), 't', undefined)).toEqual({ admitted: false, reason: 'saturated-sheddable' });
  });

  it('does not hold a request when no endpoint is healthy: there is nothing to wait for', async () => {
    const down = saturated().map((e) => ({ ...e, healthy: false }));
    const flow = make({ current: down });
    expect(await flow.admit(0, 't', undefined)).toEqual({ admitted: true });
    expect(flow.queued).toBe(0);
  });

  it('lets held requests go when the last healthy endpoint goes away', async () => {
    const fleet = { current: saturated() };
    const flow = make(fleet);
    const pending = [flow.admit(0, 't', undefined), flow.admit(0, 'u', undefined)];
    expect(flow.queued).toBe(2);
    fleet.current = fleet.current.map((e) => ({ ...e, healthy: false }));
    flow.dispatch();
    expect(await Promise.all(pending)).toEqual([{ admitted: true }, { admitted: true }]);
    expect(flow.queued).toBe(0);
  });

  it('holds a request until an endpoint has room', async () => {
    const fleet = { current: saturated() };
    const flow = make(fleet);
    const pending = flow.admit(0, 't', undefined);
    expect(flow.queued).toBe(1);
    fleet.current = roomy();
    flow.dispatch();
    expect(await pending).toEqual({ admitted: true });
  });

  it('times out a held request before its deadline, with a reason', async () => {
    const flow = make({ current: saturated() });
    const answer = await flow.admit(0, 't', new Date(Date.now() + 60));
    expect(answer).toEqual({ admitted: false, reason: 'queue-timeout' });
    expect(flow.queued).toBe(0);
  });

  it('refuses past its queue size', async () => {
    const flow = make({ current: saturated() });
    const held = [0, 1, 2].map(() => flow.admit(0, 't', undefined));
    expect(await flow.admit(0, 't', undefined)).toEqual({ admitted: false, reason: 'queue-full' });
    flow.drain();
    expect(await Promise.all(held)).toEqual([0, 1, 2].map(() => ({ admitted: false, reason: 'queue-timeout' })));
  });

  it('lets the higher priority go first, one per endpoint with room', async () => {
    const fleet = { current: saturated() };
    const flow = make(fleet);
    const order: string[] = [];
    const low = flow.admit(0, 't', undefined).then(() => order.push('low'));
    const high = flow.admit(flow.priorityOf('critical', 0), 't', undefined).then(() => order.push('high'));
    fleet.current = roomy(); // one endpoint with room
    flow.dispatch();
    await high;
    expect(order).toEqual(['high']);
    flow.dispatch();
    await low;
    expect(order).toEqual(['high', 'low']);
  });
});

// The shared flow-control cases: the routing simulator runs the same table (tools/bench).
describe('FlowController on the shared flow-control cases', () => {
  it.each(FLOW_CONTROL_CASES.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
    let fleet = { healthy: 0, roomy: 0 };
    // Healthy endpoints as loads: those with room idle, the others past the queue threshold.
    const count = (keep: (load: { waiting: number; kvCacheUsage: number }) => boolean) =>
      Array.from({ length: fleet.healthy }, (_, i) => ({ waiting: i < fleet.roomy ? 0 : 99, kvCacheUsage: 0 })).filter(keep).length;
    const counter = new Counter({ name: 'flow_cases_total', help: 'x', labelNames: ['outcome'], registers: [new Registry()] });
    const flow = new FlowController({ ...FLOW_CASE_POLICY, objectives: {} }, count, counter);
    const outcomes: Record<string, string> = {};
    for (const step of c.steps) {
      if ('fleet' in step) fleet = step.fleet;
      else if ('dispatch' in step) flow.dispatch();
      else {
        outcomes[step.arrive] = 'held';
        void flow.admit(step.priority, 'default', undefined).then((a) => (outcomes[step.arrive] = a.admitted ? 'admitted' : a.reason));
      }
      await new Promise((resolve) => setImmediate(resolve));
    }
    expect(outcomes).toEqual(c.outcomes);
    flow.drain();
  });
});
