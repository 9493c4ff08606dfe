// Kubernetes resource quantities as numbers (bytes), for the vLLM flags that take sizes.
const BINARY: Record<string, number> = { Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, Pi: 2 ** 50, Ei: 2 ** 60 };
const DECIMAL: Record<string, number> = { m: 1e-3, '': 1, k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18 };

/** The value of a quantity such as `40Gi`, `500M`, `1.5`, `2e3`; NaN when it is not one. */
export function quantityValue(q: string): number {
  const m = /^\+?([0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:([eE][-+]?[0-9]+)|([KMGTPE]i)|([mkMGTPE]))?$/.exec(q.trim());
  if (!m) return NaN;
  const base = Number(m[1]);
  if (m[2]) return base * 10 ** Number(m[2].slice(1));
  if (m[3]) return base * BINARY[m[3]];
  return base * DECIMAL[m[4] ?? ''];
}

export const GIB = 2 ** 30;

/** Whole bytes of a quantity, rounded down. */
export function quantityBytes(q: string): number {
  return Math.floor(quantityValue(q));
}

/** GiB with at most two decimals (vLLM's size flags take GiB as a float). */
export function gib(bytes: number): number {
  return Math.floor((bytes / GIB) * 100) / 100;
}
