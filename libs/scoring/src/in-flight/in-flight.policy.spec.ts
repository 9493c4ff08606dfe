import { applyCharge, inFlightCharges, inFlightSize } from './in-flight.policy';
import { InFlightLedger } from './in-flight-ledger';

describe('inFlightSize', () => {
  it.each([
    ['token ids are counted', { prompt: 'ignored', promptTokenIds: [1, 2, 3], maxTokens: 7 }, { promptTokens: 3, maxTokens: 7 }],
    ['text is estimated at 4 characters a token, rounded up', { prompt: 'x'.repeat(9), maxTokens: 10 }, { promptTokens: 3, maxTokens: 10 }],
    ['no max_tokens counts none', { prompt: 'abcd' }, { promptTokens: 1, maxTokens: 0 }],
  ])('%s', (_name, request, size) => {
    expect(inFlightSize(request)).toEqual(size);
  });
});

describe('inFlightCharges', () => {
  const size = { promptTokens: 3000, maxTokens: 200 };
  it.each([
    ['unified: the target computes the prompt and generates', { target: 'a' }, [{ endpointId: 'a', requests: 1, tokens: 3200 }]],
    ['P/D on one pod: charged once', { target: 'a', prefill: 'a' }, [{ endpointId: 'a', requests: 1, tokens: 3200 }]],
    [
      'P/D: the prefill pod computes the prompt and one token; the decode pod holds the prompt and generates',
      { target: 'd', prefill: 'p' },
      [
        { endpointId: 'd', requests: 1, tokens: 3200 },
        { endpointId: 'p', requests: 1, tokens: 3001 },
      ],
    ],
  ])('%s', (_name, pick, charges) => {
    expect(inFlightCharges(size, pick)).toEqual(charges);
  });
});

describe('applyCharge', () => {
  const charge = { endpointId: 'a', requests: 1, tokens: 100 };
  it.each([
    ['adds', { inFlight: 2, inFlightTokens: 50 }, 1, { inFlight: 3, inFlightTokens: 150 }],
    ['takes off', { inFlight: 2, inFlightTokens: 150 }, -1, { inFlight: 1, inFlightTokens: 50 }],
    ['never below zero (a lease expired, then its completion came)', { inFlight: 0, inFlightTokens: 30 }, -1, { inFlight: 0, inFlightTokens: 0 }],
  ] as const)('%s', (_name, load, sign, after) => {
    expect(applyCharge(load, charge, sign)).toEqual(after);
  });
});

describe('InFlightLedger', () => {
  const a = [{ endpointId: 'a', requests: 1, tokens: 10 }];
  const b = [{ endpointId: 'b', requests: 1, tokens: 20 }];

  it.each([
    ['a completion gives its charges back once', (l: InFlightLedger) => [l.start('r', a, 0), l.complete('r'), l.complete('r')], [[], a, undefined], 0],
    ['an unknown completion gives nothing', (l: InFlightLedger) => [l.complete('nope')], [undefined], 0],
    ['re-picking a request gives its old charges back', (l: InFlightLedger) => [l.start('r', a, 0), l.start('r', b, 0)], [[], a], 1],
    ['leases run out after leaseMs', (l: InFlightLedger) => [l.start('r', a, 0), l.start('s', b, 500), l.expire(999), l.expire(1000)], [[], [], [], [a]], 1],
  ])('%s', (_name, steps, answers, left) => {
    const ledger = new InFlightLedger(1000);
    expect(steps(ledger)).toEqual(answers);
    expect(ledger.size).toBe(left);
  });
});
