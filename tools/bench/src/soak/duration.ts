// `--duration 3m`, `90s`, `1h`, `1h30m`: milliseconds, or an error message.
export function parseDuration(text: string): number | string {
  const m = /^(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$/.exec(text.trim());
  if (!m || text.trim() === '') return `expected a duration like 3m, 90s or 1h30m, got "${text}"`;
  return ((Number(m[1] ?? 0) * 60 + Number(m[2] ?? 0)) * 60 + Number(m[3] ?? 0)) * 1000;
}

/** Load before the first fault, and after the last, for a run of `durationMs`. */
export function phases(durationMs: number): { warmupMs: number; cooldownMs: number } {
  const clamp = (x: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, x));
  return { warmupMs: Math.round(clamp(durationMs * 0.1, 15000, 60000)), cooldownMs: Math.round(clamp(durationMs * 0.15, 25000, 90000)) };
}
