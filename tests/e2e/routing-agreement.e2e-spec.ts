// The cluster-scale simulator against the real stack: the same workload, seed and profile at 8 pods,
// run live (Kafka, every service, 8 vllm-sim pods, the gateway driven by a streaming client, at a time
// scale this machine keeps up with) and in the simulator. TTFT p50/p90 and output throughput must agree
// within 10%: the simulator's findings at 512 pods stand on this.
import { runDes, runLive, sharedPrefix, summarize, RunSummary } from '@llmd/bench';

const PODS = 8;
// Wall ms per simulated ms. The live stack adds real time the simulator does not model (HTTP, the Pick
// and KvCache.Score round trips, JSON of 1,650-token prompts): 13-17 ms a request on a slow 2-core VM
// (gRPC unary echo p50 2 ms there), which at 10x was 1.6 simulated ms on a 23 ms TTFT p50 and failed the
// 10% bound. At 25x it is about 0.6 simulated ms.
const TIME_SCALE = 25;
/** Simulator runs (tie-break seeds) that span the band the live run is held to. */
const DES_SEEDS = 8;

describe('routing benchmark: simulator vs live stack', () => {
  it.each(['load-only', 'precise-prefix'])('%s: TTFT p50/p90 and throughput agree with the simulator within 10% at 8 pods', async (profile) => {
    // A loaded but unsaturated fleet: long shared system prompts, short questions and answers.
    const requests = sharedPrefix({ seed: 11, rate: 24, count: 96, groups: 16, promptsPerGroup: 6, systemTokens: 1500, questionTokens: 150, outputTokens: 40 });
    const summary = (mode: 'des' | 'live', r: Awaited<ReturnType<typeof runDes>> | Awaited<ReturnType<typeof runLive>>): RunSummary =>
      summarize({ mode, workload: 'shared-prefix', profile, pods: PODS, rate: 24, wallSec: r.wallMs / 1000 }, r.outcomes.map((o) => ({ ...o, ok: 'ok' in o ? o.ok : true })), r.durationMs, { queries: r.prefixQueries, hits: r.prefixHits }, r.requestsPerPod);
    // The simulator keeps the live stack's clocks, in simulated time: cache-manager's speculative
    // entries last 2 s of wall time, and KV events reach its index some 30 ms of wall time after a step.
    // Pickers break ties at random, so one run of 96 requests is one draw: the simulator's own TTFT p90
    // moves by up to 8% between tie-break seeds. The live run (another draw) must fall within 10% of the
    // band the simulator spans over DES_SEEDS seeds, not of one arbitrary seed.
    const des: RunSummary[] = [];
    for (let seed = 11; seed < 11 + DES_SEEDS; seed++) des.push(summary('des', await runDes(requests, { pods: PODS, profile, seed, speculativeTtlMs: 2000 / TIME_SCALE, kvEventDelayMs: 30 / TIME_SCALE })));
    const live = summary('live', await runLive(requests, { pods: PODS, profile, timeScale: TIME_SCALE, kafkaBootstrap: process.env.LLMD_E2E_KAFKA }));
    const report = `${des.map((d) => `des ${JSON.stringify(d)}`).join('\n')}\nlive ${JSON.stringify(live)}`;
    process.stdout.write(`${report}\n`);
    expect(live.errors).toBe(0);
    for (const key of ['ttftP50Ms', 'ttftP90Ms', 'outputTokensPerSec'] as const) {
      const low = Math.min(...des.map((d) => d[key]));
      const high = Math.max(...des.map((d) => d[key]));
      const gap = live[key] < low ? (low - live[key]) / low : live[key] > high ? (live[key] - high) / high : 0;
      if (gap > 0.1) throw new Error(`${key} ${live[key].toFixed(2)} is ${(gap * 100).toFixed(1)}% outside the simulator's ${low.toFixed(2)}-${high.toFixed(2)}:\n${report}`);
    }
  }, 600000);
});
