// What one pod sustains within the targets: the highest steady request rate of the mix whose TTFT and
// ITL p90 stay within target on one simulated pod (a bisection). Static provisioning at the peak is
// sized from it, as a capacity planner would size it from a load test. For P/D, the same per role:
// one prefill pod (decode pods aplenty) and one decode pod (prefill pods aplenty).
import { runDes } from '../routing/des';
import { percentile } from '../routing/report';
import { mixedAt, rng, type WorkloadRequest } from '../routing/workloads';
import type { SloTarget } from './summary';
import { PD_PROFILE, pdThreshold } from './topology';
import { arrivals } from './traces';

export interface CapacityOptions {
  slo: SloTarget;
  tokenScale: number;
  seed: number;
  quick: boolean;
}

/** A prefill pod sustains a rate while it takes at least this share of the requests the profile sends it (the rest overflow to decode when it is saturated). */
export const PREFILL_TAKEN_MIN = 0.95;

/** Requests per second of the mix one unified pod serves within both targets. */
export async function podCapacity(o: CapacityOptions): Promise<number> {
  return bisect(o, 8, 'one pod', async (requests) => {
    const r = await runDes(requests, { pods: 1, profile: 'load-only', seed: o.seed });
    return withinTargets(r.outcomes, o.slo);
  });
}

/**
 * Requests per second of the mix one prefill pod and one decode pod each sustain, the other role
 * provisioned with ceil(rate / unified) + 1 pods (a unified pod does either role's work and more, so
 * that many never bottleneck). Both within the targets on every request; the prefill pod also takes
 * at least PREFILL_TAKEN_MIN of the prompts at or over the profile's threshold (saturated, it sheds
 * them to the decode pods, which then prefill them: the targets alone would hold at any rate).
 */
export async function pdCapacity(o: CapacityOptions & { unified: number }): Promise<{ prefill: number; decode: number }> {
  const threshold = pdThreshold();
  const run = (requests: WorkloadRequest[], rate: number, role: 'prefill' | 'decode') => {
    const others = Math.ceil(rate / o.unified) + 1;
    const roles = role === 'prefill' ? ['prefill' as const, ...Array<'decode'>(others).fill('decode')] : [...Array<'prefill'>(others).fill('prefill'), 'decode' as const];
    return runDes(requests, { pods: roles.length, roles, profile: PD_PROFILE, seed: o.seed });
  };
  const prefill = await bisect(o, Math.max(8, o.unified), 'one prefill pod', async (requests, rate) => {
    const r = await run(requests, rate, 'prefill');
    const sent = r.outcomes.filter((x) => x.promptTokens >= threshold);
    const taken = sent.filter((x) => x.prefillPod !== undefined);
    return withinTargets(r.outcomes, o.slo) && taken.length >= PREFILL_TAKEN_MIN * sent.length;
  });
  const decode = await bisect(o, Math.max(8, o.unified), 'one decode pod', async (requests, rate) => withinTargets((await run(requests, rate, 'decode')).outcomes, o.slo));
  return { prefill, decode };
}

function withinTargets(outcomes: readonly { ttftMs: number; itlMs: number; outputTokens: number }[], slo: SloTarget): boolean {
  const ttft = percentile(outcomes.map((x) => x.ttftMs), slo.percentile);
  const itl = percentile(outcomes.filter((x) => x.outputTokens > 1).map((x) => x.itlMs), slo.percentile);
  return ttft <= slo.ttftMs && itl <= slo.itlMs;
}

/** The highest rate `holds` (doubling from `start`, then 5 halvings, 3 with --quick), on steady Poisson load of the mix. */
async function bisect(o: CapacityOptions, start: number, what: string, holds: (requests: WorkloadRequest[], rate: number) => Promise<boolean>): Promise<number> {
  const durationMs = (o.quick ? 40 : 150) * 1000;
  const at = (rate: number) => holds(mixedAt(arrivals(() => rate, rate, durationMs, rng(o.seed + 7)), { seed: o.seed + 8, scale: o.tokenScale }), rate);
  let lo = 0;
  let hi = start;
  while (await at(hi)) {
    lo = hi;
    hi *= 2;
    if (hi > 4096) throw new Error(`${what} holds the targets at any rate: targets too loose`);
  }
  for (let i = 0; i < (o.quick ? 3 : 5); i++) {
    const mid = (lo + hi) / 2;
    if (await at(mid)) lo = mid;
    else hi = mid;
  }
  if (lo === 0) throw new Error(`${what} cannot hold TTFT p90 <= ${o.slo.ttftMs} ms and ITL p90 <= ${o.slo.itlMs} ms even at ${(start / 2 ** (o.quick ? 3 : 5)).toFixed(2)} req/s`);
  return lo;
}
