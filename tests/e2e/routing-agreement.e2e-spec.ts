// The cluster-scale simulator against the real stack: the same workload, seed and profile at 8 pods,
// run live (Kafka, every service, 8 vllm-sim pods, the gateway driven by a streaming client, at a time
// scale this machine keeps up with) and in the simulator. TTFT p50/p90 and output throughput must agree
// within 10%: the simulator's findings at 512 pods stand on this.
import { runDes, runLive, sharedPrefix, summarize, RunSummary } from '@llmd/bench';

const PODS = 8;
const TIME_SCALE = 10;

describe('routing benchmark: simulator vs live stack', () => {
  it.each(['load-only', 'precise-prefix'])('%s: TTFT p50/p90 and throughput agree within 10% at 8 pods', async (profile) => {
    // A loaded but unsaturated fleet: long shared system prompts, short questions and answers.
    const requests = sharedPrefix({ seed: 11, rate: 24, count: 96, groups: 16, promptsPerGroup: 6, systemTokens: 1500, questionTokens: 150, outputTokens: 40 });
    const summary = (mode: 'des' | 'live', r: Awaited<ReturnType<typeof runDes>> | Awaited<ReturnType<typeof runLive>>): RunSummary =>
      summarize({ mode, workload: 'shared-prefix', profile, pods: PODS, rate: 24, wallSec: r.wallMs / 1000 }, r.outcomes.map((o) => ({ ...o, ok: 'ok' in o ? o.ok : true })), r.durationMs, { queries: r.prefixQueries, hits: r.prefixHits }, r.requestsPerPod);
    // The simulator keeps the live stack's clocks, in simulated time: cache-manager's speculative
    // entries last 2 s of wall time, and KV events reach its index some 30 ms of wall time after a step.
    const des = summary('des', await runDes(requests, { pods: PODS, profile, seed: 11, speculativeTtlMs: 2000 / TIME_SCALE, kvEventDelayMs: 30 / TIME_SCALE }));
    const live = summary('live', await runLive(requests, { pods: PODS, profile, timeScale: TIME_SCALE, kafkaBootstrap: process.env.LLMD_E2E_KAFKA }));
    const report = `des ${JSON.stringify(des)}\nlive ${JSON.stringify(live)}`;
    process.stdout.write(`${report}\n`);
    expect(live.errors).toBe(0);
    for (const key of ['ttftP50Ms', 'ttftP90Ms', 'outputTokensPerSec'] as const) {
      const gap = Math.abs(live[key] - des[key]) / des[key];
      if (gap > 0.1) throw new Error(`${key} differs by ${(gap * 100).toFixed(1)}%:\n${report}`);
    }
  }, 300000);
});
