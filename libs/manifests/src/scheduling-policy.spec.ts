import { schedulerPicking } from './scheduling-policy';
import { schedulingPolicy } from './testing/fixtures';

describe('SchedulingPolicy -> the scheduler profile', () => {
  const strategy = (s: string) => schedulingPolicy({ metadata: { name: 'p' }, spec: { strategy: s } });
  it.each([
    ['no policy', undefined, false, { profile: 'precise-prefix' }],
    ['no policy, P/D', undefined, true, { profile: 'pd' }],
    ['cache-affinity', strategy('cache-affinity'), false, { profile: 'precise-prefix' }],
    ['cache-affinity, P/D', strategy('cache-affinity'), true, { profile: 'pd' }],
    ['load-balanced', strategy('load-balanced'), false, { profile: 'load-only' }],
    ['load-balanced, P/D', strategy('load-balanced'), true, { profile: 'pd-load-only' }],
    ['latency-optimized', strategy('latency-optimized'), false, { profile: 'precise-prefix' }],
    ['throughput-optimized', strategy('throughput-optimized'), false, { profile: 'precise-prefix' }],
    ['throughput-optimized, P/D', strategy('throughput-optimized'), true, { profile: 'pd' }],
  ])('%s', (_, policy, pd, want) => {
    expect(schedulerPicking(policy, pd)).toEqual(want);
  });

  it('explicit plugins: completed with filters, a picker and a handler; weights on the profile', () => {
    const p = schedulingPolicy({ metadata: { name: 'p' }, spec: { plugins: [{ type: 'queue-depth-scorer', weight: 2 }, { type: 'precise-prefix-cache-scorer', name: 'prefix', weight: 3, parameters: { blockSize: 16 } }] } });
    expect(schedulerPicking(p, false)).toEqual({
      picker: {
        plugins: [
          { name: 'serves-model', type: 'serves-model-filter' },
          { name: 'healthy', type: 'healthy-filter' },
          { name: 'queue-depth-scorer', type: 'queue-depth-scorer' },
          { name: 'prefix', type: 'precise-prefix-cache-scorer', parameters: { blockSize: 16 } },
          { name: 'picker', type: 'max-score-picker' },
          { name: 'handler', type: 'single-profile-handler' },
        ],
        schedulingProfiles: [
          {
            name: 'default',
            plugins: [{ pluginRef: 'serves-model' }, { pluginRef: 'healthy' }, { pluginRef: 'queue-depth-scorer', weight: 2 }, { pluginRef: 'prefix', weight: 3 }, { pluginRef: 'picker' }],
          },
        ],
      },
    });
  });

  it('explicit plugins with P/D: decode and prefill profiles behind role filters', () => {
    const p = schedulingPolicy({ metadata: { name: 'p' }, spec: { plugins: [{ type: 'kv-cache-utilization-scorer', weight: 1 }] } });
    const picking = schedulerPicking(p, true) as { picker: { schedulingProfiles: { name: string; plugins: { pluginRef: string }[] }[] } };
    expect(picking.picker.schedulingProfiles.map((s) => [s.name, s.plugins[0].pluginRef])).toEqual([['decode', 'decode-role'], ['prefill', 'prefill-role']]);
  });
});
