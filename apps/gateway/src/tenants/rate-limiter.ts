// Token buckets per tenant: requests per minute and tokens per minute, refilled continuously.
export interface Bucket {
  capacity: number;
  level: number;
  updatedMs: number;
}

export class TokenBucket {
  private readonly buckets = new Map<string, Bucket>();

  constructor(
    private readonly perMinute: (tenant: string) => number | undefined,
    private readonly now: () => number = Date.now,
  ) {}

  /**
   * Takes `amount` from the tenant's bucket. Returns 0 when allowed, else the seconds until it would
   * be (for Retry-After). Tenants without a limit are always allowed.
   */
  take(tenant: string, amount: number): number {
    const limit = this.perMinute(tenant);
    if (limit === undefined) return 0;
    const now = this.now();
    const b = this.buckets.get(tenant) ?? { capacity: limit, level: limit, updatedMs: now };
    b.level = Math.min(b.capacity, b.level + ((now - b.updatedMs) / 60000) * b.capacity);
    if (b.capacity !== limit) {
      // The limit changed (reloaded keys): keep what the tenant has used, within the new capacity.
      b.level = Math.max(0, Math.min(limit, b.level + limit - b.capacity));
      b.capacity = limit;
    }
    b.updatedMs = now;
    this.buckets.set(tenant, b);
    // A request larger than the whole bucket waits for a full bucket, then goes.
    const need = Math.min(amount, b.capacity);
    if (b.level >= need) {
      b.level -= need;
      return 0;
    }
    return Math.max(1, Math.ceil(((need - b.level) / b.capacity) * 60));
  }
}

export interface RateLimits {
  requestsPerMinute?: number;
  tokensPerMinute?: number;
}

/** 0 seconds: admitted; else how long until it would be, and which limit refused it. */
export interface RateDecision {
  waitSeconds: number;
  limit?: 'requests' | 'tokens';
}

/** Each tenant's two buckets: a request is charged to the request bucket, then its tokens to the other. */
export class TenantBuckets {
  private readonly limits = new Map<string, RateLimits>();
  private readonly requests: TokenBucket;
  private readonly tokens: TokenBucket;

  constructor(now: () => number = Date.now) {
    this.requests = new TokenBucket((t) => this.limits.get(t)?.requestsPerMinute, now);
    this.tokens = new TokenBucket((t) => this.limits.get(t)?.tokensPerMinute, now);
  }

  /** Charges one request of `tokens` under the tenant's limits as they are now (they may have been reloaded). */
  take(tenant: string, limits: RateLimits, tokens: number): RateDecision {
    this.limits.set(tenant, limits);
    const waitRequests = this.requests.take(tenant, 1);
    if (waitRequests > 0) return { waitSeconds: waitRequests, limit: 'requests' };
    const waitTokens = this.tokens.take(tenant, tokens);
    return waitTokens > 0 ? { waitSeconds: waitTokens, limit: 'tokens' } : { waitSeconds: 0 };
  }
}

/** The payload of a worker's request to the primary's buckets, checked (it crosses a process boundary). */
export function rateRequestOf(payload: unknown): { tenant: string; limits: RateLimits; tokens: number } {
  const p = payload as { tenant?: unknown; limits?: { requestsPerMinute?: unknown; tokensPerMinute?: unknown }; tokens?: unknown } | null;
  const positive = (v: unknown) => (typeof v === 'number' && v > 0 ? v : undefined);
  if (!p || typeof p.tenant !== 'string' || typeof p.tokens !== 'number' || !(p.tokens >= 0)) throw new Error('malformed rate-limit request');
  return { tenant: p.tenant, limits: { requestsPerMinute: positive(p.limits?.requestsPerMinute), tokensPerMinute: positive(p.limits?.tokensPerMinute) }, tokens: p.tokens };
}
