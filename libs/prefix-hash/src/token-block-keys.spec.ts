import { tokenBlockKeys } from './token-block-keys';

const seq = (n: number, from = 0) => Array.from({ length: n }, (_, i) => from + i);

describe('tokenBlockKeys', () => {
  it('keys only full blocks, as safe integers', () => {
    const keys = tokenBlockKeys(seq(50), 16);
    expect(keys).toHaveLength(3);
    for (const k of keys) expect(Number.isSafeInteger(k)).toBe(true);
  });

  it.each([
    ['the same tokens', seq(48), 3],
    ['a change in the last block', [...seq(32), ...seq(16, 900)], 2],
    ['a change in the first block', [7, ...seq(47, 1)], 0],
  ])('%s shares %d leading keys', (_name, other, shared) => {
    const a = tokenBlockKeys(seq(48), 16);
    const b = tokenBlockKeys(other, 16);
    let n = 0;
    while (n < 3 && a[n] === b[n]) n++;
    expect(n).toBe(shared);
  });

  it('chains: keying the tail from the head key equals keying the whole', () => {
    const whole = tokenBlockKeys(seq(64), 16);
    const tail = tokenBlockKeys(seq(32, 32), 16, { parent: whole[1] });
    expect(tail).toEqual(whole.slice(2));
  });

  it('separates adapters and seeds', () => {
    const base = tokenBlockKeys(seq(16), 16)[0];
    expect(tokenBlockKeys(seq(16), 16, { extra: 'sql-lora' })[0]).not.toBe(base);
    expect(tokenBlockKeys(seq(16), 16, { seed: 9 })[0]).not.toBe(base);
  });
});
