// Specs' source of keys: a seeded generator of 53-bit integers, as chunk hashes and block keys are.
export function seededKeys(seed: number): () => number {
  let s = seed >>> 0;
  const next32 = () => {
    s = (Math.imul(s ^ (s >>> 15), 0x2c1b3c6d) + 0x6d2b79f5) >>> 0;
    return s;
  };
  return () => (next32() & 0x1fffff) * 0x100000000 + next32();
}
