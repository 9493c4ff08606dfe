import { hpaReplicas } from './hpa-replicas';

describe('hpaReplicas', () => {
  it.each([
    // [current, metric, target, tolerance, want]
    [4, 90, 60, 0.1, 6], // ratio 1.5: ceil(6)
    [4, 65, 60, 0.1, 4], // ratio 1.083: inside the 10% band
    [4, 64, 60, 0.1, 4], // ratio 1.067: inside the band
    [4, 67, 60, 0.1, 5], // ratio 1.117: ceil(4.47)
    [4, 30, 60, 0.1, 2], // ratio 0.5
    [4, 55, 60, 0.1, 4], // ratio 0.917: inside the band
    [3, 10, 60, 0.1, 1], // ceil(0.5)
    [3, 0, 60, 0.1, 0], // no load at all
    [4, 65, 60, 0, 5], // no band
  ])('current %d, metric %d, target %d, tolerance %d -> %d', (current, metric, target, tolerance, want) => {
    expect(hpaReplicas(current, metric, target, tolerance)).toBe(want);
  });

  it('defaults the tolerance to 0.1', () => {
    expect(hpaReplicas(10, 105, 100)).toBe(10);
  });

  it.each([
    [() => hpaReplicas(-1, 1, 1), /current/],
    [() => hpaReplicas(1.5, 1, 1), /current/],
    [() => hpaReplicas(1, 1, 0), /target/],
    [() => hpaReplicas(1, Number.NaN, 1), /metric/],
    [() => hpaReplicas(1, 1, 1, -0.1), /tolerance/],
  ])('rejects bad input naming the argument (%#)', (call, message) => {
    expect(call).toThrow(message);
  });
});
