// Disaggregated serving: always runs the decode profile; runs the prefill profile too when the
// prompt's part not cached on the chosen decode endpoint reaches a threshold. If no prefill endpoint
// can take it (none, or all saturated), the request is served decode-only.
import { z } from 'zod';
import type { CycleState, PluginDescriptor, ProfileHandler, ProfileResult, SchedulingRequest, SchedulingResult, TypedName } from '../../../framework';
import { estimateTokens } from '../../shared/normalize';
import { matchRatio, PREFIX_MATCH } from '../../shared/prefix-state';

export const PD_PROFILE_HANDLER = 'pd-profile-handler';

export interface PdParams {
  /** @default 'decode' */
  decodeProfile: string;
  /** @default 'prefill' */
  prefillProfile: string;
  /** Uncached prompt tokens at which a request is disaggregated; 0 disables P/D. @default 512 */
  threshold: number;
  /** Characters per token when estimating a text prompt's length. @default 4 */
  charsPerToken: number;
}

export class PdProfileHandler implements ProfileHandler {
  constructor(
    private readonly name: string,
    private readonly params: PdParams,
  ) {}

  typedName(): TypedName {
    return { type: PD_PROFILE_HANDLER, name: this.name };
  }

  /** The P/D decision: uncached prompt tokens on the decode target against the threshold. */
  uncachedTokens(state: CycleState, request: SchedulingRequest, decodeTarget: string): number {
    const tokens = estimateTokens(request, this.params.charsPerToken);
    return Math.round(tokens * (1 - matchRatio(state.read(PREFIX_MATCH), decodeTarget)));
  }

  pickProfiles(state: CycleState, request: SchedulingRequest, profiles: readonly string[], results: Readonly<Record<string, ProfileResult>>): readonly string[] {
    const { decodeProfile, prefillProfile, threshold } = this.params;
    for (const p of [decodeProfile, prefillProfile]) if (!profiles.includes(p)) throw new Error(`pd-profile-handler: no profile named "${p}"`);
    if (!(decodeProfile in results)) return [decodeProfile];
    if (prefillProfile in results || threshold <= 0) return [];
    const target = results[decodeProfile].targets[0];
    if (!target) return [];
    return this.uncachedTokens(state, request, target.id) >= threshold ? [prefillProfile] : [];
  }

  processResults(_state: CycleState, _request: SchedulingRequest, results: Readonly<Record<string, ProfileResult>>): SchedulingResult {
    const { decodeProfile, prefillProfile } = this.params;
    const out: Record<string, ProfileResult> = { [decodeProfile]: results[decodeProfile] };
    const prefill = results[prefillProfile];
    // Only a usable prefill pick makes the request disaggregated, and never onto its own decode pod.
    const decodeTarget = results[decodeProfile]?.targets[0];
    if (prefill && prefill.targets.length > 0 && prefill.targets[0].id !== decodeTarget?.id) out[prefillProfile] = prefill;
    return { profileResults: out, primaryProfile: decodeProfile };
  }
}

export const pdProfileHandlerDescriptor = {
  type: PD_PROFILE_HANDLER,
  params: z
    .object({
      decodeProfile: z.string().min(1).default('decode'),
      prefillProfile: z.string().min(1).default('prefill'),
      threshold: z.number().int().min(0).default(512),
      charsPerToken: z.number().positive().default(4),
    })
    .strict(),
  create: (name, params) => new PdProfileHandler(name, params),
} satisfies PluginDescriptor<PdParams>;
