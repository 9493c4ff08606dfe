// The autoscaling study's pool layouts. unified: one pool whose pods serve whole requests (the
// load-only profile). pd: a prefill pool and a decode pool (the pd-load-only profile: a prompt of at
// least the profile's threshold is prefilled on a prefill pod and decoded on a decode pod, a shorter
// one served whole by its decode pod), each pool sized by its own scaler.
import type { ScalingDecision } from '@llmd/autoscaling';
import type { AutoscalingSpec } from '@llmd/crd-types';
import type { CostModel } from '@llmd/gpu-cost';
import { SHIPPED_CONFIGS } from '@llmd/scoring';
import { runDes, type DesPoolRole, type DesResult } from '../routing/des';
import type { WorkloadRequest } from '../routing/workloads';
import { makeScaler, type PolicyName } from './scalers';
import { mixAbove, type HistoryBin, type Trace } from './traces';

export type Topology = 'unified' | 'pd';
export const TOPOLOGIES: readonly Topology[] = ['unified', 'pd'];

/** The scheduling profile of each layout (load-aware, no prefix scorer: the mix shares no prefixes). */
export const PROFILES: Readonly<Record<Topology, string>> = { unified: 'load-only', pd: 'pd-load-only' };
export const PD_PROFILE = PROFILES.pd;

/** The P/D profile handler's threshold: uncached prompt tokens from which a request goes through prefill. */
export function pdThreshold(): number {
  const handler = SHIPPED_CONFIGS[PD_PROFILE]?.plugins.find((p) => p.type === 'pd-profile-handler');
  const threshold = handler?.parameters?.threshold;
  if (typeof threshold !== 'number') throw new Error(`the ${PD_PROFILE} profile has no pd-profile-handler threshold`);
  return threshold;
}

/** Requests per second of the mix one pod of each role sustains within the targets. */
export type RoleCapacity = Partial<Record<DesPoolRole, number>>;

/** One pool of a run, sized from its role's capacity. */
export interface PoolPlan {
  name: string;
  role: DesPoolRole;
  /** Requests per second of the whole mix one pod of this pool sustains. */
  capacityRps: number;
  /** Static provisioning at the trace's peak: ceil(peak / capacity). */
  staticReplicas: number;
  /** The scaling policies' start: the trace's first rate in pods' worth (at least 1). */
  initialReplicas: number;
  maxReplicas: number;
  /** The pool's earlier traffic (the predictive policy's seed). */
  history: HistoryBin[];
}

export function planPools(topology: Topology, trace: Trace, capacity: RoleCapacity, tokenScale: number): PoolPlan[] {
  const roles: DesPoolRole[] = topology === 'pd' ? ['prefill', 'decode'] : ['unified'];
  return roles.map((role) => {
    const capacityRps = capacity[role];
    if (!(capacityRps !== undefined && capacityRps > 0)) throw new Error(`no ${role} pod capacity measured`);
    const staticReplicas = Math.ceil(trace.peakRate / capacityRps);
    return {
      name: role,
      role,
      capacityRps,
      staticReplicas,
      initialReplicas: Math.max(1, Math.ceil(trace.rate(0) / capacityRps)),
      maxReplicas: Math.max(4, 2 * staticReplicas),
      history: role === 'prefill' ? prefillHistory(trace.history, tokenScale) : trace.history,
    };
  });
}

/**
 * A prefill pool's earlier traffic: the part of each bin the profile sends through prefill (prompts
 * at or over its threshold), at that part's mean tokens, as the pool's own request metrics count it.
 */
function prefillHistory(bins: readonly HistoryBin[], tokenScale: number): HistoryBin[] {
  const part = mixAbove(tokenScale, pdThreshold());
  return bins.map((b) => {
    const requests = Math.round(b.requests * part.share);
    return { startMs: b.startMs, requests, promptTokens: Math.round(requests * part.prompt), outputTokens: Math.round(requests * part.output) };
  });
}

export interface PoolRunOptions {
  topology: Topology;
  /** A pool's autoscaling spec (its bounds, targets, behavior); the policy field is set per policy. */
  specFor: (plan: PoolPlan) => AutoscalingSpec;
  costModel: CostModel;
  seed: number;
  startupSeconds: number;
  syncSeconds?: number;
  horizonMs: number;
  /** The autoscaler's clock at the trace's start (after the history's days). */
  offsetMs: number;
  /** vLLM's max_num_seqs of every pod (small pods keep a test short). */
  maxNumSeqs?: number;
  /** Every decision of llmd's policies, by pool. */
  decisions?: Record<string, ScalingDecision[]>;
}

/** One policy over one trace: every pool with its own scaler, in the simulator. */
export function runPools(requests: readonly WorkloadRequest[], policy: PolicyName, plans: readonly PoolPlan[], o: PoolRunOptions): Promise<DesResult> {
  const scalers = Object.fromEntries(
    plans.map((p) => {
      const decisions = o.decisions ? (o.decisions[p.name] ??= []) : undefined;
      return [p.name, makeScaler(policy, { role: p.role, spec: o.specFor(p), costModel: o.costModel, staticReplicas: p.staticReplicas, history: p.history, offsetMs: o.offsetMs, decisions })];
    }),
  );
  return runDes(requests, {
    pods: 0,
    profile: PROFILES[o.topology],
    seed: o.seed,
    ...(o.maxNumSeqs !== undefined ? { maxNumSeqs: o.maxNumSeqs } : {}),
    autoscaling: {
      pools: plans.map((p) => ({ name: p.name, role: p.role, replicas: policy === 'static-peak' ? p.staticReplicas : p.initialReplicas })),
      scalers,
      startupSeconds: o.startupSeconds,
      syncSeconds: o.syncSeconds ?? 15,
      horizonMs: o.horizonMs,
    },
  });
}
