import { CycleState, EndpointRole } from '../../../framework';
import { makeEndpoint, makeRequest } from '../../../testing';
import { RoleFilter } from './role.filter';

describe('RoleFilter', () => {
  const endpoints = (['both', 'prefill', 'decode'] as EndpointRole[]).map((r) => makeEndpoint(r).role(r).build());
  it.each([
    [['prefill', 'both'], ['both', 'prefill']],
    [['decode'], ['decode']],
  ] as [EndpointRole[], string[]][])('roles %p -> %p', (roles, ids) => {
    expect(new RoleFilter('r', { roles }).filter(new CycleState(), makeRequest(), endpoints).map((e) => e.id)).toEqual(ids);
  });
});
