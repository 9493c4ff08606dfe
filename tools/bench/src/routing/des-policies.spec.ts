// Conformance: the simulator's flow control and in-flight accounting give the scheduler app's answers
// on the shared policy cases (apps/scheduler runs the same tables through FlowController and
// InFlightTracker).
import { FLOW_CASE_POLICY, FLOW_CONTROL_CASES, IN_FLIGHT_CASE_REQUEST, IN_FLIGHT_CASES } from '@llmd/scoring/testing';
import { DesFlowControl } from './des-flow-control';
import { DesInFlight } from './des-in-flight';

describe('the simulator on the shared flow-control cases', () => {
  it.each(FLOW_CONTROL_CASES.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    let fleet = { healthy: 0, roomy: 0 };
    const flow = new DesFlowControl<string>(FLOW_CASE_POLICY, () => fleet);
    const outcomes: Record<string, string> = {};
    for (const step of c.steps) {
      if ('fleet' in step) fleet = step.fleet;
      else if ('dispatch' in step) for (const id of flow.release()) outcomes[id] = 'admitted';
      else {
        const d = flow.arrive(step.arrive, step.priority, 'default');
        outcomes[step.arrive] = d.kind === 'admit' ? 'admitted' : d.kind === 'hold' ? 'held' : d.reason;
      }
    }
    expect(outcomes).toEqual(c.outcomes);
  });
});

describe('the simulator on the shared in-flight cases', () => {
  it.each(IN_FLIGHT_CASES.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    const inFlight = new DesInFlight();
    for (const step of c.steps) {
      if ('complete' in step) inFlight.complete(step.complete);
      else if ('firstToken' in step) inFlight.firstToken(step.firstToken);
      else inFlight.start(step.pick, IN_FLIGHT_CASE_REQUEST, { target: step.target, prefill: step.prefill }, 0);
    }
    for (const [id, load] of Object.entries(c.loads)) expect(inFlight.load(id)).toEqual(load);
  });
});
