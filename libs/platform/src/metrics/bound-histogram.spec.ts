import { Histogram, Registry } from 'prom-client';
import { BoundHistogram } from './bound-histogram';

describe('BoundHistogram', () => {
  const buckets = [0.001, 0.01, 0.1];
  const observations: [string, number][] = [
    ['a', 0.0005], ['a', 0.001], ['a', 0.05], ['b', 3], ['a', 0.2], ['b', 0.01],
  ];

  it('exposes the same text as prom-client Histogram for the same observations', async () => {
    const ours = new Registry();
    const theirs = new Registry();
    const bound = new BoundHistogram({ name: 'x_seconds', help: 'h', labelNames: ['op'], buckets, registers: [ours] });
    const reference = new Histogram({ name: 'x_seconds', help: 'h', labelNames: ['op'], buckets, registers: [theirs] });
    const children = { a: bound.bind({ op: 'a' }), b: bound.bind({ op: 'b' }) };
    for (const [op, v] of observations) {
      children[op as 'a' | 'b'].observe(v);
      reference.observe({ op }, v);
    }
    expect(await ours.metrics()).toBe(await theirs.metrics());
  });

  it('shares one series between children bound to the same labels, ignores non-finite values, and resets', async () => {
    const registry = new Registry();
    const h = new BoundHistogram({ name: 'y', help: 'h', labelNames: ['op'], buckets, registers: [registry] });
    h.bind({ op: 'a' }).observe(0.5);
    h.bind({ op: 'a' }).observe(Number.NaN);
    h.bind({ op: 'a' }).observe(0.002);
    expect(await registry.metrics()).toContain('y_count{op="a"} 2');
    registry.resetMetrics();
    expect(await registry.metrics()).toContain('y_count{op="a"} 0');
  });

  it('refuses a label it was not declared with', () => {
    const h = new BoundHistogram({ name: 'z', help: 'h', labelNames: ['op'], buckets });
    expect(() => h.bind({ op: 'a', other: 'b' } as never)).toThrow('unknown label "other"');
  });
});
