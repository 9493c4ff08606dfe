import { SATURATION_DEFAULTS, isSaturated } from './saturation-defaults';

describe('SATURATION_DEFAULTS and isSaturated', () => {
  it('holds the workload-variant-autoscaler defaults', () => {
    expect(SATURATION_DEFAULTS).toEqual({ kvCacheThreshold: 0.8, queueLengthThreshold: 5, kvSpareTrigger: 0.1, queueSpareTrigger: 3 });
  });

  it.each([
    [{ waiting: 0, kvCacheUsage: 0.79 }, false],
    [{ waiting: 0, kvCacheUsage: 0.8 }, true],
    [{ waiting: 4, kvCacheUsage: 0.1 }, false],
    [{ waiting: 5, kvCacheUsage: 0.1 }, true],
    [{ waiting: 9, kvCacheUsage: 0.95 }, true],
  ])('%j is saturated: %s (thresholds inclusive)', (load, want) => {
    expect(isSaturated(load, SATURATION_DEFAULTS)).toBe(want);
  });
});
