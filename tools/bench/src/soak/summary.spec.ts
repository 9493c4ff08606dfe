import { OUTCOMES, type Outcome } from './outcome';
import { summarize, telemetryLost, type SoakFacts } from './summary';

const outcomes = (o: Partial<Record<Outcome, number>>) => ({ ...(Object.fromEntries(OUTCOMES.map((k) => [k, 0])) as Record<Outcome, number>), ...o });
const facts: SoakFacts = {
  seed: 1, durationS: 180, capacityRps: 10, rateRps: 8,
  outcomes: outcomes({ answered: 900, 'sse-error': 4, 'http-4xx': 30, severed: 2 }),
  retried: 3, errors: {}, failOpen: 0, tenant429: { steady: 0, greedy: 30 },
  telemetry: { recorded: 700, dropped: 0, arrived: 700, unattributed: 0, lostOnKill: 5 },
  leasesHeld: 2, leasesOrphanedByGatewayKill: 2, indexAccurate: true, indexDetail: 'ok',
  memory: { gateway: { heapSlopeMiBPerMin: 0.1, rssSlopeMiBPerMin: 0.2, spanMin: 2, leak: null } },
  faults: [], faultErrors: [], netem: 'unavailable',
};

describe('summarize', () => {
  it('passes a run that kept every invariant, with the required fields', () => {
    const { summary, failures } = summarize(facts);
    expect(failures).toEqual([]);
    expect(summary).toMatchObject({ requests: 936, lost: 0, hung: 0, telemetryLost: 0, leasesLeft: 0, indexAccurate: true, ok: true });
  });

  it.each<[string, Partial<SoakFacts>, RegExp]>([
    ['a lost request', { outcomes: outcomes({ answered: 5, lost: 1 }) }, /1 request\(s\) lost/],
    ['a hung request', { outcomes: outcomes({ answered: 5, hung: 2 }) }, /2 request\(s\) hung/],
    ['telemetry lost outside the buffer', { telemetry: { recorded: 10, dropped: 1, arrived: 7, unattributed: 0, lostOnKill: 0 } }, /2 telemetry record/],
    ['a lease left behind', { leasesHeld: 3 }, /1 in-flight lease/],
    ['an inaccurate index', { indexAccurate: false, indexDetail: 'sim-1 differs' }, /did not match.*sim-1 differs/],
    ['an index that could not be read', { indexAccurate: null, indexDetail: 'replay buffer wrapped' }, /could not be checked/],
    ['no 429 for the greedy tenant', { tenant429: { steady: 0, greedy: 0 } }, /no 429/],
    ['a leak', { memory: { scheduler: { heapSlopeMiBPerMin: 3, rssSlopeMiBPerMin: 3, spanMin: 20, leak: true } } }, /memory grows.*scheduler/],
    ['a fault not applied', { faultErrors: ['kafka did not stop'] }, /kafka did not stop/],
  ])('fails on %s', (_name, patch, message) => {
    const { summary, failures } = summarize({ ...facts, ...patch });
    expect(failures.join('\n')).toMatch(message);
    expect(summary.ok).toBe(false);
  });

  it('asks for no 429 where the run sent no tenant keys (a cluster gateway without auth)', () => {
    const { summary, failures } = summarize({ ...facts, tenant429: null });
    expect(failures).toEqual([]);
    expect(summary.ok).toBe(true);
  });

  it('allows the bounded buffer\'s drops and records answered after the client gave up', () => {
    expect(telemetryLost({ recorded: 100, dropped: 10, arrived: 88, unattributed: 2, lostOnKill: 0 })).toBe(0);
  });
});
