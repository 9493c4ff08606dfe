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
