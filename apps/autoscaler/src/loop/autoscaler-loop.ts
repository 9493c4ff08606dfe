// The autoscaler's loop, free of timers and transports: finished requests go to their pools'
// autoscalers as they come; every sync lists the pools, hands each autoscaler its observation (the
// pool's replicas and its endpoints' newest load), takes its decision and, in scale mode, writes it.
// Every decision (applied or not, an invalid spec included) goes to `onDecision`.
import type { Logger } from 'pino';
import { poolSample, type ReplicaLoad, type ScalingDecision, type TrafficBin } from '@llmd/autoscaling';
import type { RequestMetricsRecord, ScalingDecisionRecord } from '@llmd/telemetry';
import { Actuator, InvalidPool, isInvalid, ListedPool, poolKey, ScalablePool } from '../actuators/actuator';
import { PoolDirectory, requestSample } from '../inputs/pool-directory';
import type { PoolLoadView } from '../inputs/pool-load';
import { PoolAutoscalers } from './pool-autoscalers';

export type RequestOutcome = 'recorded' | 'unmapped' | 'failed-request' | 'refused-no-endpoint' | 'invalid-sample';

export interface AutoscalerLoopOptions {
  actuator: Actuator;
  /** scale: write desired replicas; recommend: decide and report only. */
  mode: 'scale' | 'recommend';
  load: PoolLoadView;
  logger: Logger;
  onDecision: (decision: ScalingDecisionRecord, pool: ListedPool) => void;
  /** A pool no longer listed (its gauges go). */
  onPoolGone?: (key: string, pool: ListedPool) => void;
  onScaleError?: (pool: ListedPool, err: Error) => void;
  autoscalers?: PoolAutoscalers;
}

/** What a sync does after listing the pools (see AutoscalerLoop.sync). */
export type SyncMode = 'decide' | 'shadow' | 'list';

export class AutoscalerLoop {
  private directory = new PoolDirectory([]);
  private readonly autoscalers: PoolAutoscalers;
  private readonly listed = new Map<string, ListedPool>();
  /** The last invalid-spec message logged per pool (logged again only when it changes). */
  private readonly reported = new Map<string, string>();
  /** Binned start-up history per pool, until seedHistory(). */
  private readonly history = new Map<string, Map<number, TrafficBin>>();
  /** Requests refused for want of an endpoint since each pool's last decision. */
  private readonly refusedSince = new Map<string, number>();
  /** spec.replicas of each pool at its last sync. */
  private readonly lastSpec = new Map<string, number>();

  constructor(private readonly opts: AutoscalerLoopOptions) {
    this.autoscalers = opts.autoscalers ?? new PoolAutoscalers();
  }

  /** A finished request, recorded by the pools that served it. */
  observeRequest(r: RequestMetricsRecord): RequestOutcome {
    const sample = requestSample(r);
    if (!sample) {
      // Refused because no pod could take it: unmet demand, which wakes a pool at zero.
      const refused = this.directory.refused(r).filter((k) => this.autoscalers.get(k));
      for (const k of refused) this.refusedSince.set(k, (this.refusedSince.get(k) ?? 0) + 1);
      return refused.length > 0 ? 'refused-no-endpoint' : 'failed-request';
    }
    const keys = this.directory.request(r).filter((k) => this.autoscalers.get(k));
    try {
      for (const k of keys) {
        const role = this.listed.get(k)?.role ?? 'unified';
        this.autoscalers.get(k)?.record(poolSample(role, sample));
      }
    } catch (err) {
      this.opts.logger.debug({ requestId: r.requestId, err: (err as Error).message }, 'request sample refused');
      return 'invalid-sample';
    }
    return keys.length > 0 ? 'recorded' : 'unmapped';
  }

  /**
   * A retained request (read at start-up from the topic's beginning) into its pools' traffic
   * history, binned by `binSeconds`. Pools are matched as live requests are, so call it after a first
   * sync. False when no pool is known for it.
   */
  addHistory(r: RequestMetricsRecord, binSeconds = 60): boolean {
    const sample = requestSample(r);
    if (!sample) return false;
    const keys = this.directory.request(r).filter((k) => this.autoscalers.get(k));
    const startMs = Math.floor(sample.endMs / (binSeconds * 1000)) * binSeconds * 1000;
    for (const k of keys) {
      const perPool = this.history.get(k) ?? new Map<number, TrafficBin>();
      const bin = perPool.get(startMs) ?? { startMs, requests: 0, promptTokens: 0, outputTokens: 0 };
      bin.requests++;
      bin.promptTokens += sample.promptTokens;
      bin.outputTokens += sample.outputTokens;
      perPool.set(startMs, bin);
      this.history.set(k, perPool);
    }
    return keys.length > 0;
  }

  /** Hands the binned history to the pools' autoscalers (seed()), oldest bin first; returns the pools seeded. */
  seedHistory(): number {
    let seeded = 0;
    for (const [k, perPool] of this.history) {
      const autoscaler = this.autoscalers.get(k);
      if (!autoscaler) continue;
      autoscaler.seed([...perPool.values()].sort((a, b) => a.startMs - b.startMs));
      seeded++;
    }
    this.history.clear();
    return seeded;
  }

  /**
   * One sync: lists the pools and keeps their autoscalers current; then, by `mode`:
   * - `decide`: decides (and in scale mode writes) for each pool and reports the decisions;
   * - `shadow`: decides without writing or reporting (a replica that does not hold the lease), so
   *   its stabilization windows, rate-limit history and corrections are warm when it takes over;
   * - `list`: nothing more (before the request history is seeded: the forecaster learns in time order).
   * Throws when the actuator cannot list pools.
   */
  async sync(nowMs: number, mode: SyncMode = 'decide'): Promise<ScalingDecisionRecord[]> {
    const pools = await this.opts.actuator.pools();
    this.directory = new PoolDirectory(pools);
    const seen = new Set<string>();
    const decisions: ScalingDecisionRecord[] = [];
    for (const pool of pools) {
      const key = poolKey(pool);
      seen.add(key);
      this.listed.set(key, pool);
      const decision = isInvalid(pool) ? (mode === 'decide' ? this.invalid(key, pool, nowMs) : undefined) : await this.syncPool(key, pool, nowMs, mode);
      if (!decision) continue;
      decisions.push(decision);
      this.opts.onDecision(decision, pool);
    }
    for (const [key, pool] of this.listed) {
      if (seen.has(key)) continue;
      this.listed.delete(key);
      this.autoscalers.delete(key);
      this.reported.delete(key);
      this.lastSpec.delete(key);
      this.refusedSince.delete(key);
      this.opts.onPoolGone?.(key, pool);
    }
    return decisions;
  }

  private async syncPool(key: string, pool: ScalablePool, nowMs: number, mode: SyncMode): Promise<ScalingDecisionRecord | undefined> {
    let autoscaler;
    try {
      autoscaler = this.autoscalers.ensure(key, pool);
    } catch (err) {
      this.autoscalers.delete(key);
      return this.invalid(key, { ...pool, invalid: (err as Error).message }, nowMs);
    }
    this.reported.delete(key);
    for (const s of pool.startupSeconds ?? []) autoscaler.observeStartup(s);
    // A change of spec.replicas this replica did not write (the leader's, or a person's) counts in
    // the rate limits as its own writes do.
    const seen = this.lastSpec.get(key);
    if (seen !== undefined && seen !== pool.specReplicas) autoscaler.scaled(nowMs, seen, pool.specReplicas);
    this.lastSpec.set(key, pool.specReplicas);
    if (mode === 'list') return undefined;
    let d: ScalingDecision;
    try {
      const queuedRequests = this.refusedSince.get(key) ?? 0;
      this.refusedSince.delete(key);
      d = autoscaler.decide({ nowMs, specReplicas: pool.specReplicas, readyReplicas: pool.readyReplicas, startingReplicas: pool.startingReplicas, load: this.loadOf(key, nowMs), ...(queuedRequests > 0 ? { queuedRequests } : {}) });
    } catch (err) {
      // One pool's bad observation must not stop the others' decisions.
      this.opts.logger.warn({ pool: key, err: (err as Error).message }, 'no decision: the policy refused the observation');
      return mode === 'decide' ? unchanged(pool, 'decide-failed', `No decision: ${(err as Error).message}`, nowMs) : undefined;
    }
    if (mode === 'shadow') return undefined;
    let applied = false;
    let message = d.message;
    if (this.opts.mode === 'scale' && d.desired !== d.current) {
      try {
        await this.opts.actuator.scale(pool, d.desired);
        autoscaler.scaled(nowMs, d.current, d.desired);
        this.lastSpec.set(key, d.desired);
        applied = true;
      } catch (err) {
        message = `${d.message} Not applied: ${(err as Error).message}`;
        this.opts.logger.warn({ pool: key, from: d.current, to: d.desired, err: (err as Error).message }, 'scale write failed');
        this.opts.onScaleError?.(pool, err as Error);
      }
    }
    return toRecord(pool, d, message, applied);
  }

  /** The newest load of each healthy endpoint of the pool. */
  private loadOf(key: string, nowMs: number): ReplicaLoad[] {
    return this.opts.load
      .snapshots(nowMs)
      .filter((r) => r.healthy && this.directory.loadRecord(r) === key)
      .map((r) => ({ id: r.endpointId, kvCacheUsage: r.kvCacheUsage, waiting: r.waiting, running: r.running }));
  }

  private invalid(key: string, pool: InvalidPool, nowMs: number): ScalingDecisionRecord {
    if (this.reported.get(key) !== pool.invalid) {
      this.reported.set(key, pool.invalid);
      this.opts.logger.warn({ pool: key, invalid: pool.invalid }, 'pool skipped: its autoscaling spec is invalid');
    }
    return unchanged(pool, 'invalid-spec', `Skipped: ${pool.invalid}`, nowMs);
  }
}

/** A decision that leaves the pool as it is, no policy having run. */
function unchanged(pool: ListedPool, reason: string, message: string, nowMs: number): ScalingDecisionRecord {
  const n = pool.specReplicas;
  return {
    namespace: pool.namespace, pool: pool.name, model: pool.model, role: pool.role, policy: '',
    currentReplicas: n, recommendedReplicas: n, desiredReplicas: n, readyReplicas: pool.readyReplicas, startingReplicas: pool.startingReplicas,
    reason, message, limitedBy: '', inputs: {}, timestampUnixMs: nowMs, applied: false,
  };
}

function toRecord(pool: ScalablePool, d: ScalingDecision, message: string, applied: boolean): ScalingDecisionRecord {
  return {
    namespace: pool.namespace,
    pool: pool.name,
    model: pool.model,
    role: pool.role,
    policy: d.policy,
    currentReplicas: d.current,
    recommendedReplicas: d.recommended,
    desiredReplicas: d.desired,
    readyReplicas: pool.readyReplicas,
    startingReplicas: pool.startingReplicas,
    reason: d.reason,
    message,
    limitedBy: d.limitedBy ?? '',
    inputs: d.inputs,
    timestampUnixMs: d.atMs,
    applied,
  };
}
