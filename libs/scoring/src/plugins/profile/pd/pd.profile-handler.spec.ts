import { CycleState } from '../../../framework';
import { makeEndpoint, makeRequest } from '../../../testing';
import { PREFIX_MATCH } from '../../shared/prefix-state';
import { PdProfileHandler } from './pd.profile-handler';

const handler = (threshold: number) => new PdProfileHandler('pd', { decodeProfile: 'decode', prefillProfile: 'prefill', threshold, charsPerToken: 4 });
const d = makeEndpoint('d').role('decode').build();
const p = makeEndpoint('p').role('prefill').build();
const profiles = ['decode', 'prefill'];

describe('PdProfileHandler', () => {
  it.each([
    ['long uncached prompt -> prefill too', 600, 0, 100, ['prefill']],
    ['short prompt -> decode only', 50, 0, 100, []],
    ['long prompt mostly cached on the decode pod -> decode only', 600, 0.9, 100, []],
    ['threshold 0 disables P/D', 100000, 0, 0, []],
  ])('%s', (_name, tokens, cached, threshold, next) => {
    const state = new CycleState();
    state.write(PREFIX_MATCH, { totalChunks: 10, chunkSize: 64, matched: new Map([['d', cached * 10]]) });
    const request = makeRequest({ prompt: 'x'.repeat(tokens * 4) });
    const h = handler(threshold);
    expect(h.pickProfiles(state, request, profiles, {})).toEqual(['decode']);
    expect(h.pickProfiles(state, request, profiles, { decode: { targets: [d] } })).toEqual(next);
  });

  it.each([
    ['a prefill pick makes the request disaggregated', { decode: { targets: [d] }, prefill: { targets: [p] } }, ['decode', 'prefill']],
    ['no prefill endpoint -> decode only', { decode: { targets: [d] }, prefill: { targets: [] } }, ['decode']],
    ['the prefill pick is the decode pod -> decode only', { decode: { targets: [d] }, prefill: { targets: [d] } }, ['decode']],
  ])('%s', (_name, results, profilesOut) => {
    const out = handler(10).processResults(new CycleState(), makeRequest(), results);
    expect(out.primaryProfile).toBe('decode');
    expect(Object.keys(out.profileResults)).toEqual(profilesOut);
  });
});
