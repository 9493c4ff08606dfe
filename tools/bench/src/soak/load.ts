// The soak's two load shapes: a closed-loop ramp that finds the stack's capacity, and the open-loop
// (Poisson) arrivals the run is made of.
import type { Rng } from './rng';
import type { RequestResult, SoakClient } from './soak-client';
import { nextRequest, type MixOptions } from './workload';

const RAMP = [2, 4, 8, 16, 32, 64];

/**
 * Concurrency doubled step by step (the steady tenant, no aborts) until answered requests per second
 * stop growing by 10%, or errors pass 1%: the capacity is the best step's throughput.
 */
export async function measureCapacity(client: SoakClient, rng: Rng, stepMs: number, say: (line: string) => void, mix: MixOptions = {}): Promise<{ capacityRps: number; results: RequestResult[] }> {
  const results: RequestResult[] = [];
  let best = 0;
  for (const concurrency of RAMP) {
    const end = Date.now() + stepMs;
    const step: RequestResult[] = [];
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (Date.now() < end) step.push(await client.send({ ...nextRequest(rng, { ...mix, tenants: false, abortShare: 0 }), tenant: 'steady' }));
      }),
    );
    results.push(...step);
    const answered = step.filter((r) => r.outcome === 'answered' && r.endMs <= end).length;
    const rps = answered / (stepMs / 1000);
    const errors = step.filter((r) => r.outcome !== 'answered').length / Math.max(1, step.length);
    say(`ramp: ${concurrency} concurrent -> ${rps.toFixed(1)} req/s answered, ${(errors * 100).toFixed(1)}% errors`);
    if (errors > 0.01 || rps < best * 1.1) {
      best = Math.max(best, rps);
      break;
    }
    best = rps;
  }
  return { capacityRps: best, results };
}

/** Poisson arrivals at `rate` per second for `durationMs`; resolves when every request has ended. */
export async function openLoop(client: SoakClient, rng: Rng, rate: number, durationMs: number, say: (line: string) => void, mix: MixOptions = {}): Promise<RequestResult[]> {
  const started = Date.now();
  const inflight: Promise<RequestResult>[] = [];
  let next = 0;
  let reported = started;
  for (;;) {
    next += (-Math.log(1 - rng()) / rate) * 1000;
    if (next > durationMs) break;
    const wait = started + next - Date.now();
    if (wait > 1) await new Promise((r) => setTimeout(r, wait));
    inflight.push(client.send(nextRequest(rng, mix)));
    if (Date.now() - reported >= 30000) {
      reported = Date.now();
      say(`load: ${Math.round((reported - started) / 1000)} s, ${inflight.length} requests sent`);
    }
  }
  return Promise.all(inflight);
}
