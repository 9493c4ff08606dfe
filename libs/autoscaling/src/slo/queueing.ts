// The queueing bound the slo policy sizes prefill with: a deterministic server (one prefill at a
// time, service S) fed by Poisson arrivals, M/D/1. Its mean wait is rho·S / (2(1-rho)); a request
// waits at all with probability rho, and the wait of those that do is taken as exponential with
// mean S / (2(1-rho)), so P(wait > t) = rho·exp(-t·2(1-rho)/S).

/** The p-th percentile (0 < p < 100) of queueing wait plus service, in ms; Infinity at rho >= 1. */
export function latencyQuantileMs(serviceMs: number, rho: number, p: number): number {
  if (rho >= 1) return Number.POSITIVE_INFINITY;
  const q = p / 100;
  if (rho <= 1 - q) return serviceMs;
  return serviceMs + (serviceMs / (2 * (1 - rho))) * Math.log(rho / (1 - q));
}

/** The highest utilisation whose p-th percentile latency stays within `targetMs` (0 when the service alone exceeds it). */
export function maxUtilisation(serviceMs: number, targetMs: number, p: number): number {
  if (serviceMs <= 0) return 1;
  if (serviceMs > targetMs) return 0;
  let lo = 0;
  let hi = 1;
  for (let i = 0; i < 60; i++) {
    const mid = (lo + hi) / 2;
    if (latencyQuantileMs(serviceMs, mid, p) <= targetMs) lo = mid;
    else hi = mid;
  }
  return lo;
}
