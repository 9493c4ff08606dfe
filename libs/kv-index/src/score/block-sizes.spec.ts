import { BlockSizes } from './block-sizes';

describe('BlockSizes', () => {
  const make = () => {
    const mismatches: { pod: string; model: string; observed: number; configured: number }[] = [];
    return { sizes: new BlockSizes({ blockSize: 16, modelBlockSizes: { small: 8 } }, (m) => mismatches.push(m)), mismatches };
  };

  it('answers with the configured sizes until a pod reports one', () => {
    const { sizes } = make();
    expect(sizes.ofModel('big')).toBe(16);
    expect(sizes.ofModel('small')).toBe(8);
    expect(sizes.ofPod('a', 'small')).toBe(8);
  });

  it('learns the size a pod reports, for the pod and for its model', () => {
    const { sizes, mismatches } = make();
    sizes.observe('a', 'big', 32);
    expect(sizes.ofPod('a', 'big')).toBe(32);
    expect(sizes.ofModel('big')).toBe(32);
    // A pod of the same model with no events yet is assumed to match its siblings.
    expect(sizes.ofPod('b', 'big')).toBe(32);
    expect(sizes.ofModel('small')).toBe(8);
    expect(mismatches).toEqual([{ pod: 'a', model: 'big', observed: 32, configured: 16 }]);
  });

  it('reports a mismatch once per change, and none for a size that matches the configuration', () => {
    const { sizes, mismatches } = make();
    sizes.observe('a', 'small', 8);
    sizes.observe('b', 'small', 16);
    sizes.observe('b', 'small', 16);
    sizes.observe('b', 'small', 8);
    sizes.observe('b', 'small', 16);
    expect(mismatches.map((m) => `${m.pod}:${m.observed}`)).toEqual(['b:16', 'b:16']);
  });

  it('takes the size learned last as the model\'s', () => {
    const { sizes } = make();
    sizes.observe('a', 'big', 16);
    sizes.observe('c', 'big', 32);
    sizes.observe('a', 'big', 16); // nothing new: no change
    expect(sizes.ofModel('big')).toBe(32);
    expect(sizes.ofPod('a', 'big')).toBe(16);
  });

  it('forgets a pod, and ignores sizes that are not positive integers', () => {
    const { sizes } = make();
    sizes.observe('a', 'big', 32);
    sizes.forget('a');
    expect(sizes.ofPod('a', 'other')).toBe(16);
    sizes.observe('b', 'other', 0);
    sizes.observe('b', 'other', Number.NaN);
    expect(sizes.ofPod('b', 'other')).toBe(16);
  });
});
