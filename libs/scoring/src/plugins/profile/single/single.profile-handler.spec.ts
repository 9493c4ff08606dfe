import { CycleState } from '../../../framework';
import { makeRequest } from '../../../testing';
import { SingleProfileHandler } from './single.profile-handler';

describe('SingleProfileHandler', () => {
  it.each([
    [{}, ['default', 'other'], {}, ['default']],
    [{ profile: 'other' }, ['default', 'other'], {}, ['other']],
    [{}, ['default'], { default: { targets: [] } }, []],
  ])('params %p profiles %p done %p -> %p', (params, profiles, results, next) => {
    expect(new SingleProfileHandler('h', params).pickProfiles(new CycleState(), makeRequest(), profiles, results)).toEqual(next);
  });

  it('refuses a profile that does not exist', () => {
    expect(() => new SingleProfileHandler('h', { profile: 'nope' }).pickProfiles(new CycleState(), makeRequest(), ['default'], {})).toThrow(/nope/);
  });
});
