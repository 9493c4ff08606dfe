// Shared cases for the scheduler's policies, run against every place that applies them: the
// scheduler app (FlowController, InFlightTracker) and the routing simulator. Both must give the
// answers below for the same inputs; a copy that drifts fails its own run of these tables.
import type { FleetRoom } from '../flow';

/** A flow-control step: the fleet changes, a request arrives (priority), or held requests are let go. */
export type FlowStep = { fleet: FleetRoom } | { arrive: string; priority: number } | { dispatch: true };

/** Per request after the steps: admitted, held, or the refusal reason. */
export type FlowOutcome = 'admitted' | 'held' | 'saturated-sheddable' | 'queue-full';

/** Policy for the flow cases: thresholds are irrelevant here (the fleet is given as counts). */
export const FLOW_CASE_POLICY = { enabled: true, queueDepthThreshold: 5, kvCacheUsageThreshold: 0.8, maxQueueSize: 2, maxWaitMs: 60_000 };

export const FLOW_CONTROL_CASES: readonly { name: string; steps: FlowStep[]; outcomes: Record<string, FlowOutcome> }[] = [
  { name: 'room: admitted at once', steps: [{ fleet: { healthy: 2, roomy: 1 } }, { arrive: 'a', priority: 0 }], outcomes: { a: 'admitted' } },
  {
    name: 'saturated: held, sheddable refused, past the queue size refused',
    steps: [{ fleet: { healthy: 2, roomy: 0 } }, { arrive: 'a', priority: 0 }, { arrive: 'b', priority: -1 }, { arrive: 'c', priority: 0 }, { arrive: 'd', priority: 0 }],
    outcomes: { a: 'held', b: 'saturated-sheddable', c: 'held', d: 'queue-full' },
  },
  {
    name: 'room again: one held request goes per endpoint with room, higher priority first',
    steps: [{ fleet: { healthy: 2, roomy: 0 } }, { arrive: 'low', priority: 0 }, { arrive: 'high', priority: 3 }, { fleet: { healthy: 2, roomy: 1 } }, { dispatch: true }],
    outcomes: { low: 'held', high: 'admitted' },
  },
  {
    name: 'room, but requests already held: a newcomer waits its turn',
    steps: [{ fleet: { healthy: 1, roomy: 0 } }, { arrive: 'a', priority: 0 }, { fleet: { healthy: 1, roomy: 1 } }, { arrive: 'b', priority: 0 }, { dispatch: true }],
    outcomes: { a: 'admitted', b: 'held' },
  },
  {
    name: 'the last healthy endpoint goes: everything held goes on (to be told no endpoint can serve it)',
    steps: [{ fleet: { healthy: 1, roomy: 0 } }, { arrive: 'a', priority: 0 }, { arrive: 'b', priority: 0 }, { fleet: { healthy: 0, roomy: 0 } }, { dispatch: true }, { arrive: 'c', priority: -1 }],
    outcomes: { a: 'admitted', b: 'admitted', c: 'admitted' },
  },
];

/** An in-flight step: a pick (target, and prefill endpoint when disaggregated) or a completion. */
export type InFlightStep = { pick: string; target: string; prefill?: string } | { firstToken: string } | { complete: string };

/** Every pick in these cases: 1000 prompt tokens, up to 100 generated, streamed (its first token is reported). */
export const IN_FLIGHT_CASE_REQUEST = { promptTokens: 1000, maxTokens: 100, reportsFirstToken: true };

type Load = { inFlight: number; inFlightTokens: number; inFlightPrefillTokens: number };
const load = (inFlight: number, inFlightTokens: number, inFlightPrefillTokens: number): Load => ({ inFlight, inFlightTokens, inFlightPrefillTokens });

export const IN_FLIGHT_CASES: readonly { name: string; steps: InFlightStep[]; loads: Record<string, Load> }[] = [
  { name: 'a unified pick: prompt and completion on its target, the prompt as prefill work', steps: [{ pick: 'r1', target: 'a' }], loads: { a: load(1, 1100, 1000), p: load(0, 0, 0) } },
  {
    name: 'a disaggregated pick: the prefill pod carries the prompt (and its one token) and its prefill work',
    steps: [{ pick: 'r1', target: 'a', prefill: 'p' }],
    loads: { a: load(1, 1100, 0), p: load(1, 1001, 1000) },
  },
  {
    name: 'the first token ends the prefill work only',
    steps: [{ pick: 'r1', target: 'a', prefill: 'p' }, { pick: 'r2', target: 'a' }, { firstToken: 'r1' }, { firstToken: 'r2' }],
    loads: { a: load(2, 2200, 0), p: load(1, 1001, 0) },
  },
  {
    name: 'a first token reported twice is taken off once',
    steps: [{ pick: 'r1', target: 'a' }, { pick: 'r2', target: 'a' }, { firstToken: 'r1' }, { firstToken: 'r1' }],
    loads: { a: load(2, 2200, 1000) },
  },
  {
    name: 'both leave at completion, not before, prefill work included when no first token came',
    steps: [{ pick: 'r1', target: 'a', prefill: 'p' }, { pick: 'r2', target: 'a' }, { complete: 'r1' }],
    loads: { a: load(1, 1100, 1000), p: load(0, 0, 0) },
  },
  {
    name: 'completion after the first token takes off the rest',
    steps: [{ pick: 'r1', target: 'a' }, { firstToken: 'r1' }, { complete: 'r1' }, { firstToken: 'r1' }],
    loads: { a: load(0, 0, 0) },
  },
  { name: 'an unknown completion or first token changes nothing', steps: [{ pick: 'r1', target: 'a' }, { complete: 'nope' }, { firstToken: 'nope' }], loads: { a: load(1, 1100, 1000) } },
];
