// The plugin contracts of the scheduling framework (after the Gateway API Inference Extension's EPP).
import type { CycleState } from './cycle-state';
import type { Endpoint } from './endpoint';
import type { SchedulingRequest } from './request';

export interface TypedName {
  /** Registered type string, e.g. `queue-depth-scorer`. */
  type: string;
  /** Instance name from the config, e.g. `queue`. */
  name: string;
}

export interface Plugin {
  typedName(): TypedName;
}

/** Removes endpoints that must not serve the request. */
export interface Filter extends Plugin {
  filter(state: CycleState, request: SchedulingRequest, endpoints: readonly Endpoint[]): readonly Endpoint[];
}

/** affinity: prefers where state already is (cache, session); distribution: spreads load; balance: both. */
export type ScorerCategory = 'affinity' | 'distribution' | 'balance';

/** Scores each endpoint in [0,1] (1 is best). Missing endpoints score 0. */
export interface Scorer extends Plugin {
  readonly category: ScorerCategory;
  score(state: CycleState, request: SchedulingRequest, endpoints: readonly Endpoint[]): ReadonlyMap<string, number> | Promise<ReadonlyMap<string, number>>;
  /**
   * Optional fast path of a synchronous scorer: writes each endpoint's score at its position in `out`
   * (as long as `endpoints`), allocating nothing per endpoint. The profile runner prefers it; it must
   * give what `score` gives (the scorer contract checks).
   */
  scoreInto?(state: CycleState, request: SchedulingRequest, endpoints: readonly Endpoint[], out: Float64Array): void;
}

export interface ScoredEndpoint {
  endpoint: Endpoint;
  score: number;
}

export interface ProfileResult {
  /** Chosen endpoints, best first; empty when none could serve. */
  targets: readonly Endpoint[];
  /** Per target: the weighted total and each scorer's clamped score (filled in by the framework). */
  breakdown?: Readonly<Record<string, { total: number; scores: Readonly<Record<string, number>> }>>;
}

/** Chooses the target(s) from the weighted scores. */
export interface Picker extends Plugin {
  pick(state: CycleState, request: SchedulingRequest, scored: readonly ScoredEndpoint[]): ProfileResult;
}

export interface SchedulingResult {
  /** Result per profile that ran, by profile name. */
  profileResults: Readonly<Record<string, ProfileResult>>;
  /** The profile whose result carries the request (decode, or the only one). */
  primaryProfile: string;
}

/** Decides which profiles run for a request, and folds their results into one. */
export interface ProfileHandler extends Plugin {
  /** Profiles to run next given the results so far; an empty list ends the cycle. */
  pickProfiles(state: CycleState, request: SchedulingRequest, profiles: readonly string[], results: Readonly<Record<string, ProfileResult>>): readonly string[];
  processResults(state: CycleState, request: SchedulingRequest, results: Readonly<Record<string, ProfileResult>>): SchedulingResult;
}

/** Plugins that compute per-request data before filtering (e.g. prefix matches), shared through the cycle state. */
export interface Preparer extends Plugin {
  prepare(state: CycleState, request: SchedulingRequest, endpoints: readonly Endpoint[]): void;
}

/**
 * Plugins that need I/O (e.g. the precise prefix index) fetch it here, before the cycle, into the cycle
 * state. The cycle itself then runs on one endpoint snapshot taken after every prefetch has finished,
 * without waiting on I/O, so requests picked meanwhile are already counted (no hot-spotting on stale
 * in-flight counts). Scorers must not do I/O in `score`.
 */
export interface Prefetcher extends Plugin {
  prefetch(state: CycleState, request: SchedulingRequest, endpoints: readonly Endpoint[]): Promise<void>;
}

/** Plugins that learn from each decision (e.g. the approximate prefix index records what it routed). */
export interface PostPick extends Plugin {
  onPicked(state: CycleState, request: SchedulingRequest, result: SchedulingResult): void;
}

export type AnyPlugin = Filter | Scorer | Picker | ProfileHandler;

export const isFilter = (p: Plugin): p is Filter => typeof (p as Filter).filter === 'function';
export const isScorer = (p: Plugin): p is Scorer => typeof (p as Scorer).score === 'function';
export const isPicker = (p: Plugin): p is Picker => typeof (p as Picker).pick === 'function';
export const isPreparer = (p: Plugin): p is Preparer => typeof (p as Preparer).prepare === 'function';
export const isPrefetcher = (p: Plugin): p is Prefetcher => typeof (p as Prefetcher).prefetch === 'function';
export const isPostPick = (p: Plugin): p is PostPick => typeof (p as PostPick).onPicked === 'function';
export const isProfileHandler = (p: Plugin): p is ProfileHandler => typeof (p as ProfileHandler).pickProfiles === 'function';
