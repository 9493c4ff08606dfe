// cache-manager's tier weighting in the simulator: blocks offloaded to a pod's CPU tier still count
// for its Score (the simulator once looked at the GPU tier only).
import { runDes } from './des';
import { sharedPrefix } from './workloads';

it('with a small GPU cache and a CPU tier, the precise Score follows offloaded prefixes as cache-manager weighs them', async () => {
  const reqs = sharedPrefix({ seed: 7, rate: 6, groups: 16, promptsPerGroup: 5, systemTokens: 3000, questionTokens: 300, outputTokens: 50 });
  // About 330 GPU blocks a pod (not two whole prompts), 20,000 on CPU.
  const base = { pods: 4, profile: 'precise-prefix', seed: 1, gpuMemoryUtilization: 0.195, cpuBlocks: 20_000 } as const;
  const weighted = await runDes(reqs, base);
  const gpuOnly = await runDes(reqs, { ...base, tierWeights: { gpu: 1, cpu: 0, disk: 0 } });
  const hitRate = (r: typeof weighted) => r.prefixHits / r.prefixQueries;
  // Measured: 71% of prompt tokens hit with the CPU tier weighed in, 50% on the GPU tier alone.
  expect(hitRate(weighted)).toBeGreaterThan(hitRate(gpuOnly) + 0.1);
});
