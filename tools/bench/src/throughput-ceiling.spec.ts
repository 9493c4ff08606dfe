import { CostModel, loadGpuProfile } from '@llmd/sim-engine';
import { CeilingCostModel, throughputCeiling } from './throughput-ceiling';

const workload = { systemTokens: 6000, questionTokens: 1200, outputTokens: 1000, groups: 150 };
const fleet = { pods: 8, kvTokens: 467280, maxNumSeqs: 256 };

describe('throughputCeiling', () => {
  it('prices a request as its prefill plus its share of the decode steps', () => {
    // A toy GPU: decode steps cost 10 ms + 1 ms per sequence, prefill 0.01 ms a token, half when behind a prefix.
    const cost: CeilingCostModel = { decodeStepMs: (b) => 10 + b, prefillMs: (n) => n / 100, prefillBehindMs: (n) => n / 200 };
    const c = throughputCeiling(cost, { systemTokens: 800, questionTokens: 200, outputTokens: 100, groups: 4 }, { pods: 2, kvTokens: 10500, maxNumSeqs: 256 });
    // No hits: 1,050 tokens a sequence -> 10 at once; step 20 ms; 100 tokens x 20 / 10 = 200 ms; prefill 10 ms.
    expect(c.none).toMatchObject({ batch: 10, decodeStepMs: 20, decodeMs: 200, prefillMs: 10 });
    expect(c.none.outputTokensPerSec).toBeCloseTo((2 * 100 * 1000) / 210);
    // Perfect: 2 groups' prompts resident per pod (1,600 tokens); 250 own tokens -> 35 at once; step 45 ms.
    expect(c.perfect).toMatchObject({ batch: 35, decodeStepMs: 45, prefillMs: 1 });
    expect(c.perfect.decodeMs).toBeCloseTo((100 * 45) / 35);
    expect(c.ratio).toBeCloseTo(c.perfect.outputTokensPerSec / c.none.outputTokensPerSec);
  });

  it('caps the batch at max-num-seqs', () => {
    const cost: CeilingCostModel = { decodeStepMs: (b) => 10 + b, prefillMs: (n) => n / 100, prefillBehindMs: (n) => n / 200 };
    expect(throughputCeiling(cost, workload, { ...fleet, kvTokens: 1e9, maxNumSeqs: 64 }).perfect.batch).toBe(64);
  });

  it('bounds the shared-prefix study on the H100 tables between 1.4x and 1.8x', () => {
    const gpu = loadGpuProfile('llama-3-8b');
    const c = throughputCeiling(new CostModel(gpu.profile, gpu.bandwidth), workload, fleet);
    expect(c.perfect.outputTokensPerSec).toBeGreaterThan(c.none.outputTokensPerSec);
    expect(c.ratio).toBeGreaterThan(1.4);
    expect(c.ratio).toBeLessThan(1.8);
  });
});
