// The scheduling cycle: the profile handler chooses profiles; each runs filters -> weighted scorers ->
// picker. The framework, not the plugins, times every plugin call.
import { CycleState } from './cycle-state';
import type { Endpoint } from './endpoint';
import { isPostPick, isPrefetcher, isPreparer, Plugin, PostPick, Prefetcher, Preparer, ProfileResult, ScoredEndpoint, SchedulingResult } from './plugin';
import type { SchedulingPipeline, SchedulingProfile } from './config';
import type { SchedulingRequest } from './request';

export type ExtensionPoint = 'prefetch' | 'prepare' | 'filter' | 'score' | 'pick' | 'profile-handler' | 'post-pick';

/** Receives the duration of every plugin call (a histogram in the app). */
export interface PluginObserver {
  observe(extensionPoint: ExtensionPoint, plugin: Plugin, ms: number): void;
}

const noObserver: PluginObserver = { observe: () => undefined };

function isThenable<T>(value: T | Promise<T>): value is Promise<T> {
  return typeof (value as { then?: unknown } | null)?.then === 'function';
}

export class Scheduler {
  private readonly postPick: PostPick[];
  private readonly preparers: Preparer[];
  private readonly prefetchers: Prefetcher[];

  constructor(
    private readonly pipeline: SchedulingPipeline,
    private readonly observer: PluginObserver = noObserver,
  ) {
    const all = new Set<Plugin>();
    for (const p of pipeline.profiles.values()) for (const x of [...p.filters, ...p.scorers.map((s) => s.scorer), p.picker]) all.add(x);
    this.postPick = [...all].filter(isPostPick);
    this.preparers = [...all].filter(isPreparer);
    this.prefetchers = [...all].filter(isPrefetcher);
  }

  /**
   * One scheduling cycle. Pass the endpoints as a function to have them read after the prefetches: the
   * decision then sees every pick made while this request waited on I/O.
   */
  async schedule(request: SchedulingRequest, endpointSource: readonly Endpoint[] | (() => readonly Endpoint[])): Promise<SchedulingResult> {
    const snapshot = typeof endpointSource === 'function' ? endpointSource : () => endpointSource;
    const state = new CycleState();
    if (this.prefetchers.length > 0) {
      const initial = snapshot();
      await Promise.all(
        this.prefetchers.map(async (p) => {
          const start = performance.now();
          try {
            await p.prefetch(state, request, initial);
          } finally {
            this.observer.observe('prefetch', p, performance.now() - start);
          }
        }),
      );
    }
    // From here on nothing waits on I/O: the cycle runs on this one snapshot.
    const endpoints = snapshot();
    const { handler, profiles } = this.pipeline;
    const names = [...profiles.keys()];
    const results: Record<string, ProfileResult> = {};
    for (const p of this.preparers) this.timed('prepare', p, () => p.prepare(state, request, endpoints));
    // Bounded: a handler may not run more rounds than there are profiles.
    for (let round = 0; round < names.length; round++) {
      const next = this.timed('profile-handler', handler, () => handler.pickProfiles(state, request, names, results));
      if (next.length === 0) break;
      for (const name of next) {
        const profile = profiles.get(name);
        if (!profile) throw new Error(`profile handler chose unknown profile "${name}"`);
        results[name] = await this.runProfile(profile, state, request, endpoints);
      }
    }
    const result = this.timed('profile-handler', handler, () => handler.processResults(state, request, results));
    for (const p of this.postPick) this.timed('post-pick', p, () => p.onPicked(state, request, result));
    return result;
  }

  private async runProfile(profile: SchedulingProfile, state: CycleState, request: SchedulingRequest, endpoints: readonly Endpoint[]): Promise<ProfileResult> {
    let candidates = endpoints;
    for (const f of profile.filters) {
      candidates = this.timed('filter', f, () => f.filter(state, request, candidates));
      if (candidates.length === 0) return { targets: [] };
    }
    // Per-candidate arrays, by position: no map per scorer on the hot path.
    const n = candidates.length;
    const totals = new Float64Array(n);
    const byScorer: { name: string; scores: Float64Array }[] = [];
    for (const { scorer, weight } of profile.scorers) {
      const start = performance.now();
      const clampedScores = new Float64Array(n);
      if (scorer.scoreInto) {
        scorer.scoreInto(state, request, candidates, clampedScores);
        this.observer.observe('score', scorer, performance.now() - start);
      } else {
        const returned = scorer.score(state, request, candidates);
        // Most scorers answer synchronously; only wait for the ones that return a promise.
        const scores = isThenable(returned) ? await returned : returned;
        this.observer.observe('score', scorer, performance.now() - start);
        for (let i = 0; i < n; i++) clampedScores[i] = scores.get(candidates[i].id) ?? 0;
      }
      for (let i = 0; i < n; i++) {
        const s = clampedScores[i];
        const clamped = Number.isFinite(s) ? Math.min(1, Math.max(0, s)) : 0;
        clampedScores[i] = clamped;
        totals[i] += weight * clamped;
      }
      byScorer.push({ name: scorer.typedName().name, scores: clampedScores });
    }
    const scored: ScoredEndpoint[] = new Array(n);
    for (let i = 0; i < n; i++) scored[i] = { endpoint: candidates[i], score: totals[i] };
    const picked = this.timed('pick', profile.picker, () => profile.picker.pick(state, request, scored));
    const breakdown: Record<string, { total: number; scores: Record<string, number> }> = {};
    for (const t of picked.targets) {
      const i = candidates.indexOf(t);
      const scores: Record<string, number> = {};
      for (const s of byScorer) scores[s.name] = i < 0 ? 0 : s.scores[i];
      breakdown[t.id] = { total: i < 0 ? 0 : totals[i], scores };
    }
    return { ...picked, breakdown };
  }

  private timed<T>(point: ExtensionPoint, plugin: Plugin, fn: () => T): T {
    const start = performance.now();
    try {
      return fn();
    } finally {
      this.observer.observe(point, plugin, performance.now() - start);
    }
  }
}
