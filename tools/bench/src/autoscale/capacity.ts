// What one pod sustains within the targets: the highest steady request rate of the mix whose TTFT and
// ITL p90 stay within target on one simulated pod (a bisection). Static provisioning at the peak is
// sized from it, as a capacity planner would size it from a load test.
import { runDes } from '../routing/des';
import { percentile } from '../routing/report';
import { mixedAt, rng } from '../routing/workloads';
import type { SloTarget } from './summary';
import { arrivals } from './traces';

export async function podCapacity(o: { slo: SloTarget; tokenScale: number; seed: number; quick: boolean }): Promise<number> {
  const durationMs = (o.quick ? 40 : 150) * 1000;
  const holds = async (rate: number) => {
    const requests = mixedAt(arrivals(() => rate, rate, durationMs, rng(o.seed + 7)), { seed: o.seed + 8, scale: o.tokenScale });
    const r = await runDes(requests, { pods: 1, profile: 'load-only', seed: o.seed });
    const ttft = percentile(r.outcomes.map((x) => x.ttftMs), o.slo.percentile);
    const itl = percentile(r.outcomes.filter((x) => x.outputTokens > 1).map((x) => x.itlMs), o.slo.percentile);
    return ttft <= o.slo.ttftMs && itl <= o.slo.itlMs;
  };
  let lo = 0;
  let hi = 8;
  while (await holds(hi)) {
    lo = hi;
    hi *= 2;
    if (hi > 4096) throw new Error('one pod holds the targets at any rate: targets too loose');
  }
  for (let i = 0; i < (o.quick ? 3 : 5); i++) {
    const mid = (lo + hi) / 2;
    if (await holds(mid)) lo = mid;
    else hi = mid;
  }
  if (lo === 0) throw new Error(`one pod cannot hold TTFT p90 <= ${o.slo.ttftMs} ms and ITL p90 <= ${o.slo.itlMs} ms even at 8 req/s`);
  return lo;
}
