import { DEFAULT_TIER_WEIGHTS, tierWeightedScore } from './tier-weighted-score';

describe('tierWeightedScore', () => {
  it.each([
    ['the whole prompt on GPU', { gpu: 10, cpu: 10, disk: 10 }, 10, DEFAULT_TIER_WEIGHTS, 1],
    ['nothing cached', { gpu: 0, cpu: 0, disk: 0 }, 10, DEFAULT_TIER_WEIGHTS, 0],
    ['half on GPU', { gpu: 5, cpu: 5, disk: 5 }, 10, DEFAULT_TIER_WEIGHTS, 0.5],
    ['all offloaded to CPU: worth 0.8 of a GPU hit', { gpu: 0, cpu: 10, disk: 10 }, 10, DEFAULT_TIER_WEIGHTS, 0.8],
    ['GPU, then CPU, then disk runs, each tier credited beyond the faster one', { gpu: 2, cpu: 6, disk: 10 }, 10, DEFAULT_TIER_WEIGHTS, (2 * 1 + 4 * 0.8 + 4 * 0.5) / 10],
    ['GPU-only weights ignore the offload tiers', { gpu: 2, cpu: 6, disk: 10 }, 10, { gpu: 1, cpu: 0, disk: 0 }, 0.2],
    ['an empty prompt scores 0', { gpu: 0, cpu: 0, disk: 0 }, 0, DEFAULT_TIER_WEIGHTS, 0],
  ])('%s', (_name, hit, blocks, weights, score) => {
    expect(tierWeightedScore(hit, blocks, weights)).toBeCloseTo(score, 12);
  });
});
