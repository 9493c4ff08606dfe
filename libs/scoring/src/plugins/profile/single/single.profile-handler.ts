// Runs one scheduling profile per request (unified serving: no prefill/decode split).
import { z } from 'zod';
import type { CycleState, PluginDescriptor, ProfileHandler, ProfileResult, SchedulingRequest, SchedulingResult, TypedName } from '../../../framework';

export const SINGLE_PROFILE_HANDLER = 'single-profile-handler';

export interface SingleProfileHandlerParams {
  /** Profile to run; the config's first profile when unset. */
  profile?: string;
}

export class SingleProfileHandler implements ProfileHandler {
  constructor(
    private readonly name: string,
    private readonly params: SingleProfileHandlerParams,
  ) {}

  typedName(): TypedName {
    return { type: SINGLE_PROFILE_HANDLER, name: this.name };
  }

  pickProfiles(_state: CycleState, _request: SchedulingRequest, profiles: readonly string[], results: Readonly<Record<string, ProfileResult>>): readonly string[] {
    const chosen = this.params.profile ?? profiles[0];
    if (!profiles.includes(chosen)) throw new Error(`single-profile-handler: no profile named "${chosen}"`);
    return chosen in results ? [] : [chosen];
  }

  processResults(_state: CycleState, _request: SchedulingRequest, results: Readonly<Record<string, ProfileResult>>): SchedulingResult {
    const [primaryProfile] = Object.keys(results);
    return { profileResults: results, primaryProfile };
  }
}

export const singleProfileHandlerDescriptor = {
  type: SINGLE_PROFILE_HANDLER,
  params: z.object({ profile: z.string().min(1).optional() }).strict(),
  create: (name, params) => new SingleProfileHandler(name, params),
} satisfies PluginDescriptor<SingleProfileHandlerParams>;
