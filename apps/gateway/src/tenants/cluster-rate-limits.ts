// The tenants' rate limits of a gateway running several workers: the buckets are the primary's, one
// set per pod (as with one process), and each worker asks it per limited request over IPC.
import { requestPrimary } from '@llmd/platform';
import type { RateDecision, RateLimits } from './rate-limiter';
import type { SharedRateLimiter } from './tenant-registry';

export const TENANT_RATE_REQUEST = 'gateway.tenant-rate';

/** A worker's way to the primary's buckets; past `timeoutMs` the worker's own buckets decide. */
export function primaryRateLimiter(timeoutMs = 250): SharedRateLimiter {
  return (tenant: string, limits: RateLimits, tokens: number) => requestPrimary(TENANT_RATE_REQUEST, { tenant, limits, tokens }, timeoutMs) as Promise<RateDecision>;
}
