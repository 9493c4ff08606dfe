import type { ScalingBehavior } from '@llmd/crd-types';
import { DEFAULT_SCALE_DOWN, DEFAULT_SCALE_UP, resolveBehavior } from './behavior-rules';
import { normalize, scaleDownLimit, scaleUpLimit } from './normalize';
import { ScalingHistory } from './scaling-history';

const S = 1000;

function run(behavior: ScalingBehavior | undefined, steps: { t: number; current: number; rec: number; min?: number; max?: number }[]) {
  const h = new ScalingHistory();
  const b = resolveBehavior(behavior);
  return steps.map((s) => {
    const out = normalize(h, { nowMs: s.t * S, current: s.current, recommended: s.rec, minReplicas: s.min ?? 1, maxReplicas: s.max ?? 100, behavior: b });
    if (out.desired !== s.current) h.scaled(s.t * S, s.current, out.desired);
    return out;
  });
}

describe('resolveBehavior (the HPA defaults)', () => {
  it('fills an unset behavior with the HPA defaults', () => {
    expect(resolveBehavior(undefined)).toEqual({ scaleUp: DEFAULT_SCALE_UP, scaleDown: DEFAULT_SCALE_DOWN });
    expect(DEFAULT_SCALE_UP).toEqual({ stabilizationWindowSeconds: 0, selectPolicy: 'Max', policies: [{ type: 'Pods', value: 4, periodSeconds: 15 }, { type: 'Percent', value: 100, periodSeconds: 15 }] });
    expect(DEFAULT_SCALE_DOWN).toEqual({ stabilizationWindowSeconds: 300, selectPolicy: 'Max', policies: [{ type: 'Percent', value: 100, periodSeconds: 15 }] });
  });

  it('keeps the default policies of a direction given only a window', () => {
    const b = resolveBehavior({ scaleDown: { stabilizationWindowSeconds: 60 } });
    expect(b.scaleDown).toEqual({ ...DEFAULT_SCALE_DOWN, stabilizationWindowSeconds: 60 });
    expect(b.scaleUp).toEqual(DEFAULT_SCALE_UP);
  });
});

describe('stabilization (stabilizeRecommendationWithBehaviors)', () => {
  it('scale-down takes the highest recommendation of the down-window', () => {
    const out = run(undefined, [
      { t: 0, current: 5, rec: 5 },
      { t: 100, current: 5, rec: 3 },
      { t: 200, current: 5, rec: 2 },
      { t: 300, current: 5, rec: 2 }, // window (0, 300]: the 5 of t=0 has left, the 3 of t=100 binds
      { t: 301, current: 3, rec: 2 },
      { t: 401, current: 3, rec: 2 },
    ]);
    expect(out.map((o) => o.desired)).toEqual([5, 5, 5, 3, 3, 2]);
    expect(out[1].limitedBy).toBe('scaleDownStabilization');
    expect(out[3].limitedBy).toBe('scaleDownStabilization');
    expect(out[5].limitedBy).toBeUndefined();
  });

  it('scale-up takes the lowest recommendation of the up-window', () => {
    const out = run({ scaleUp: { stabilizationWindowSeconds: 60 } }, [
      { t: 0, current: 2, rec: 2 },
      { t: 15, current: 2, rec: 6 },
      { t: 30, current: 2, rec: 4 },
      { t: 61, current: 2, rec: 5 }, // window (1, 61]: 6, 4, 5 -> 4
      { t: 91, current: 4, rec: 5 }, // window (31, 91]: 5, 5 -> 5
    ]);
    expect(out.map((o) => o.desired)).toEqual([2, 2, 2, 4, 5]);
    expect(out[1].limitedBy).toBe('scaleUpStabilization');
  });

  it('a window of 0 follows the recommendation at once', () => {
    const out = run({ scaleDown: { stabilizationWindowSeconds: 0 } }, [
      { t: 0, current: 5, rec: 5 },
      { t: 15, current: 5, rec: 2 },
    ]);
    expect(out.map((o) => o.desired)).toEqual([5, 2]);
  });
});

describe('rate limits (calculateScaleUpLimitWithScalingRules / calculateScaleDownLimitWithBehaviors)', () => {
  const rules = (selectPolicy: 'Max' | 'Min' | 'Disabled') => ({
    stabilizationWindowSeconds: 0,
    selectPolicy,
    policies: [
      { type: 'Pods' as const, value: 4, periodSeconds: 60 },
      { type: 'Percent' as const, value: 50, periodSeconds: 60 },
    ],
  });

  it.each([
    // [selectPolicy, current, want up limit, want down limit]
    ['Max', 10, 15, 5], // up: max(10+4, ceil(15)); down: min(10-4, trunc(5))
    ['Min', 10, 14, 6],
    ['Max', 3, 7, -1], // up: max(3+4, ceil(4.5)); down: min(3-4, trunc(1.5)): bounded by minReplicas later
    ['Disabled', 10, 10, 10],
  ] as const)('%s with %d replicas: up to %d, down to %d', (sel, current, up, down) => {
    const r = rules(sel);
    expect(scaleUpLimit(current, [], [], r, 0)).toBe(up);
    expect(scaleDownLimit(current, [], [], r, 0)).toBe(down);
  });

  it('counts the period from the replicas at its start (events within periodSeconds)', () => {
    const r = { stabilizationWindowSeconds: 0, selectPolicy: 'Max' as const, policies: [{ type: 'Pods' as const, value: 2, periodSeconds: 60 }] };
    // 4 -> 6 at t=10 s: at t=30 s the period started at 4, so 6 is the limit; at t=71 s the event is out.
    const ups = [{ atMs: 10 * S, change: 2 }];
    expect(scaleUpLimit(6, ups, [], r, 30 * S)).toBe(6);
    expect(scaleUpLimit(6, ups, [], r, 70 * S)).toBe(8);
    // an event exactly periodSeconds ago is outside (strictly after the cutoff counts)
    expect(scaleUpLimit(6, ups, [], r, 70 * S)).toBe(scaleUpLimit(6, [], [], r, 70 * S));
  });

  it('default scale-up allows max(4 pods, 100%) per 15 s', () => {
    const out = run(undefined, [
      { t: 0, current: 1, rec: 20 },
      { t: 5, current: 5, rec: 20 },
      { t: 16, current: 5, rec: 20 },
      { t: 31, current: 10, rec: 20 },
    ]);
    expect(out.map((o) => o.desired)).toEqual([5, 5, 10, 20]);
    expect(out.map((o) => o.limitedBy)).toEqual(['scaleUpRate', 'scaleUpRate', 'scaleUpRate', undefined]);
  });

  it('a Pods scale-down policy removes at most value pods per period', () => {
    const b: ScalingBehavior = { scaleDown: { stabilizationWindowSeconds: 0, policies: [{ type: 'Pods', value: 1, periodSeconds: 60 }] } };
    const out = run(b, [
      { t: 0, current: 6, rec: 2 },
      { t: 30, current: 5, rec: 2 },
      { t: 61, current: 5, rec: 2 },
    ]);
    expect(out.map((o) => o.desired)).toEqual([5, 5, 4]);
    expect(out[0].limitedBy).toBe('scaleDownRate');
  });

  it.each([
    ['scaleUp', 3, 8, 'scaleUpDisabled'],
    ['scaleDown', 8, 3, 'scaleDownDisabled'],
  ] as const)('selectPolicy Disabled on %s holds the count', (dir, current, rec, limit) => {
    const out = run({ [dir]: { selectPolicy: 'Disabled', stabilizationWindowSeconds: 0 } }, [{ t: 0, current, rec }]);
    expect(out[0]).toEqual({ desired: current, limitedBy: limit });
  });
});

describe('bounds', () => {
  it.each([
    [{ current: 3, rec: 12, max: 8 }, { desired: 7, limitedBy: 'scaleUpRate' }], // rate (3+4) binds before max
    [{ current: 6, rec: 12, max: 8 }, { desired: 8, limitedBy: 'maxReplicas' }],
    [{ current: 3, rec: 0, min: 2 }, { desired: 2, limitedBy: 'minReplicas' }],
    [{ current: 10, rec: 10, max: 8 }, { desired: 8, limitedBy: 'maxReplicas' }], // current above max goes straight to max
    [{ current: 1, rec: 1, min: 3 }, { desired: 3, limitedBy: 'minReplicas' }],
  ])('%j -> %j', (s, want) => {
    const out = run({ scaleDown: { stabilizationWindowSeconds: 0 } }, [{ t: 0, ...s }]);
    expect(out[0]).toEqual(want);
  });
});
