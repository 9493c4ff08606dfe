import { CostModel, costModelFor, loadGpuProfile } from './cost-model';

describe('CostModel (llama-3-8b on H100)', () => {
  const model = new CostModel(loadGpuProfile('llama-3-8b').profile);
  const table = loadGpuProfile('llama-3-8b').profile;

  it.each(Object.entries(table.prefill_ms).filter(([n]) => Number(n) >= 512))('prefill of %s tokens matches the measured point', (n, ms) => {
    expect(model.prefillMs(Number(n))).toBeCloseTo(ms, 6);
  });

  it.each([[3000], [6000], [12000]])('prefill of %d tokens lies between its neighbours', (n) => {
    const pts = Object.entries(table.prefill_ms).map(([k, v]) => [Number(k), v]);
    const lo = pts.filter(([k]) => k <= n).pop()!;
    const hi = pts.find(([k]) => k >= n)!;
    expect(model.prefillMs(n)).toBeGreaterThanOrEqual(lo[1]);
    expect(model.prefillMs(n)).toBeLessThanOrEqual(hi[1]);
  });

  it('never goes below the launch floor for tiny prompts', () => {
    expect(model.prefillMs(1)).toBeGreaterThanOrEqual(13.8);
  });

  it.each([
    [1, 512, 7.768],
    [256, 512, 15.897],
    [32, 8192, 19.268],
  ])('decode batch %d at context %d matches the measured %f ms', (b, c, ms) => {
    expect(model.decodeStepMs(b, c)).toBeCloseTo(ms, 2);
  });

  it('decode grows with batch and context', () => {
    expect(model.decodeStepMs(64, 1024)).toBeGreaterThan(model.decodeStepMs(16, 1024));
    expect(model.decodeStepMs(16, 4096)).toBeGreaterThan(model.decodeStepMs(16, 1024));
  });

  it.each(Object.entries(table.prefill_behind_prefix_ms).filter(([p]) => Number(p) > 0))('an 8192-token prompt behind %s cached tokens costs the measured behind-prefix time', (p, ms) => {
    expect(model.prefillBehindMs(8192 - Number(p), Number(p))).toBeCloseTo(ms, 6);
  });

  it('a cached prefix never makes a prefill cheaper than the same new tokens alone', () => {
    for (const [n, c] of [[100, 5000], [2000, 2000], [16, 4080]]) expect(model.prefillBehindMs(n, c)).toBeGreaterThanOrEqual(model.prefillMs(n));
  });

  it('refuses an unknown GPU profile', () => {
    expect(() => loadGpuProfile('gpt-5')).toThrow(/no GPU profile "gpt-5"/);
    expect(() => costModelFor('gpt-5')).toThrow(/no GPU profile "gpt-5"/);
  });

  it("costModelFor gives the scheduler's latency prediction the measured tables", () => {
    expect(costModelFor('llama-3-8b').prefillMs(4096)).toBeCloseTo(117.504, 2);
  });
});
