import { applyCharge, inFlightCharges, inFlightSize } from './in-flight.policy';
import { InFlightLedger } from './in-flight-ledger';

describe('inFlightSize', () => {
  it.each([
    ['token ids are counted', { prompt: 'ignored', promptTokenIds: [1, 2, 3], maxTokens: 7 }, { promptTokens: 3, maxTokens: 7, reportsFirstToken: false }],
    ['text is estimated at 4 characters a token, rounded up', { prompt: 'x'.repeat(9), maxTokens: 10 }, { promptTokens: 3, maxTokens: 10, reportsFirstToken: false }],
    ['no max_tokens counts none', { prompt: 'abcd' }, { promptTokens: 1, maxTokens: 0, reportsFirstToken: false }],
    ['a streamed request says its first token will be reported', { prompt: 'abcd', reportsFirstToken: true }, { promptTokens: 1, maxTokens: 0, reportsFirstToken: true }],
  ])('%s', (_name, request, size) => {
    expect(inFlightSize(request)).toEqual(size);
  });
});

describe('inFlightCharges', () => {
  const size = { promptTokens: 3000, maxTokens: 200, reportsFirstToken: true };
  it.each([
    ['unified: the target computes the prompt and generates', { target: 'a' }, [{ endpointId: 'a', requests: 1, tokens: 3200, prefillTokens: 3000 }]],
    ['P/D on one pod: charged once', { target: 'a', prefill: 'a' }, [{ endpointId: 'a', requests: 1, tokens: 3200, prefillTokens: 3000 }]],
    [
      'P/D: the prefill pod computes the prompt and one token; the decode pod holds the prompt and generates',
      { target: 'd', prefill: 'p' },
      [
        { endpointId: 'd', requests: 1, tokens: 3200, prefillTokens: 0 },
        { endpointId: 'p', requests: 1, tokens: 3001, prefillTokens: 3000 },
      ],
    ],
  ])('%s', (_name, pick, charges) => {
    expect(inFlightCharges(size, pick)).toEqual(charges);
  });

  it('charges no prefill work for a request whose first token nobody will report', () => {
    expect(inFlightCharges({ ...size, reportsFirstToken: false }, { target: 'd', prefill: 'p' }).map((c) => c.prefillTokens)).toEqual([0, 0]);
  });
});

describe('applyCharge', () => {
  const charge = { endpointId: 'a', requests: 1, tokens: 100, prefillTokens: 80 };
  it.each([
    ['adds', { inFlight: 2, inFlightTokens: 50, inFlightPrefillTokens: 10 }, 1, { inFlight: 3, inFlightTokens: 150, inFlightPrefillTokens: 90 }],
    ['takes off', { inFlight: 2, inFlightTokens: 150, inFlightPrefillTokens: 90 }, -1, { inFlight: 1, inFlightTokens: 50, inFlightPrefillTokens: 10 }],
    ['never below zero (a lease expired, then its completion came)', { inFlight: 0, inFlightTokens: 30, inFlightPrefillTokens: 0 }, -1, { inFlight: 0, inFlightTokens: 0, inFlightPrefillTokens: 0 }],
  ] as const)('%s', (_name, load, sign, after) => {
    expect(applyCharge(load, charge, sign)).toEqual(after);
  });
});

describe('InFlightLedger', () => {
  const a = [{ endpointId: 'a', requests: 1, tokens: 10, prefillTokens: 0 }];
  const b = [{ endpointId: 'b', requests: 1, tokens: 20, prefillTokens: 0 }];
  const c = [
    { endpointId: 'c', requests: 1, tokens: 30, prefillTokens: 25 },
    { endpointId: 'd', requests: 1, tokens: 26, prefillTokens: 0 },
  ];

  it.each([
    ['a completion gives its charges back once', (l: InFlightLedger) => [l.start('r', a, 0), l.complete('r'), l.complete('r')], [[], a, undefined], 0],
    ['an unknown completion gives nothing', (l: InFlightLedger) => [l.complete('nope')], [undefined], 0],
    ['re-picking a request gives its old charges back', (l: InFlightLedger) => [l.start('r', a, 0), l.start('r', b, 0)], [[], a], 1],
    [
      'a first token gives the prefill parts back once; completion then gives the rest',
      (l: InFlightLedger) => [l.start('r', c, 0), l.firstToken('r'), l.firstToken('r'), l.complete('r')],
      [[], [{ endpointId: 'c', requests: 0, tokens: 0, prefillTokens: 25 }], undefined, [{ ...c[0], prefillTokens: 0 }, c[1]]],
      0,
    ],
    ['an unknown first token gives nothing', (l: InFlightLedger) => [l.firstToken('nope')], [undefined], 0],
    ['leases run out after leaseMs', (l: InFlightLedger) => [l.start('r', a, 0), l.start('s', b, 500), l.expire(999), l.expire(1000)], [[], [], [], [a]], 1],
  ])('%s', (_name, steps, answers, left) => {
    const ledger = new InFlightLedger(1000);
    expect(steps(ledger)).toEqual(answers);
    expect(ledger.size).toBe(left);
  });
});
