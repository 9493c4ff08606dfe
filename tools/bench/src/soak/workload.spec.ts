import { seededRng } from './rng';
import { nextRequest, requestBody } from './workload';

describe('the soak workload', () => {
  const mix = (seed: number, n = 4000) => {
    const rng = seededRng(seed);
    return Array.from({ length: n }, () => nextRequest(rng));
  };

  it('replays from its seed', () => {
    expect(mix(3, 50)).toEqual(mix(3, 50));
  });

  it.each([
    ['streams', (r: ReturnType<typeof nextRequest>) => r.stream, 0.5, 0.7],
    ['chat', (r: ReturnType<typeof nextRequest>) => r.path === '/v1/chat/completions', 0.4, 0.6],
    ['long (P/D) prompts', (r: ReturnType<typeof nextRequest>) => r.long, 0.2, 0.4],
    ['LoRA', (r: ReturnType<typeof nextRequest>) => r.lora, 0.04, 0.12],
    ['the over-limit tenant', (r: ReturnType<typeof nextRequest>) => r.tenant === 'greedy', 0.05, 0.11],
    ['client aborts', (r: ReturnType<typeof nextRequest>) => r.abortAfterChunks !== undefined, 0.01, 0.05],
  ])('mixes in %s', (_name, pick, lo, hi) => {
    const share = mix(1).filter(pick).length / 4000;
    expect(share).toBeGreaterThan(lo);
    expect(share).toBeLessThan(hi);
  });

  it('makes long prompts past the pd threshold and aborts only streams', () => {
    for (const r of mix(2, 500)) {
      if (r.long && Array.isArray(r.prompt)) expect(r.prompt.length).toBeGreaterThan(512 + 160);
      if (r.abortAfterChunks !== undefined) expect(r.stream).toBe(true);
      if (r.lora) expect(requestBody(r, 'm').model).toBe('soak-lora');
    }
  });
});
