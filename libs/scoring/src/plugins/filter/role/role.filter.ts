// Keeps endpoints of the roles a profile serves (prefill, decode, or both).
import { z } from 'zod';
import type { CycleState, Endpoint, EndpointRole, Filter, PluginDescriptor, SchedulingRequest, TypedName } from '../../../framework';

export const ROLE_FILTER = 'role-filter';

export interface RoleFilterParams {
  roles: EndpointRole[];
}

export class RoleFilter implements Filter {
  constructor(
    private readonly name: string,
    private readonly params: RoleFilterParams,
  ) {}

  typedName(): TypedName {
    return { type: ROLE_FILTER, name: this.name };
  }

  filter(_state: CycleState, _request: SchedulingRequest, endpoints: readonly Endpoint[]): readonly Endpoint[] {
    return endpoints.filter((e) => this.params.roles.includes(e.role));
  }
}

export const roleFilterDescriptor = {
  type: ROLE_FILTER,
  params: z.object({ roles: z.array(z.enum(['both', 'prefill', 'decode'])).min(1) }).strict(),
  create: (name, params) => new RoleFilter(name, params),
} satisfies PluginDescriptor<RoleFilterParams>;
