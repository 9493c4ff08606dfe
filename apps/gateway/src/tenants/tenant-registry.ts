// API keys and what each tenant may do. Keys are kept only as SHA-256 hashes: a key given in clear
// (env, config, key file) is hashed as it is parsed, so the parsed config holds no key, and nothing
// stores, logs, labels or publishes one. SHA-256 without salt or stretching is enough for API keys:
// they are long random strings, not passwords, so there is no dictionary to try against a leaked
// hash, and a per-request hash must stay cheap.
import { createHash, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import { ApiError } from '@llmd/openai';
import { RateDecision, RateLimits, TenantBuckets } from './rate-limiter';

export const tenantKeySchema = z
  .object({
    name: z.string().min(1),
    /** The key in clear (hashed at load), or... */
    key: z.string().min(8).optional(),
    /** ...its SHA-256, as `sha256:<hex>`. */
    keyHash: z.string().regex(/^sha256:[0-9a-f]{64}$/, 'expected sha256:<64 hex digits>').optional(),
    /** Models (or adapters) the tenant may use; empty means all. */
    models: z.array(z.string().min(1)).default([]),
    /** The flow-control objective of the tenant's requests (overrides the request header). */
    objective: z.string().min(1).optional(),
    requestsPerMinute: z.number().int().positive().optional(),
    tokensPerMinute: z.number().int().positive().optional(),
  })
  .refine((k) => (k.key === undefined) !== (k.keyHash === undefined), { message: 'exactly one of key and keyHash is required', path: ['key'] })
  // The key in clear goes no further than this line.
  .transform(({ key, keyHash, ...rest }) => ({ ...rest, keyHash: keyHash ?? hashKey(key as string) }));

/** A tenant as parsed: its key only as `sha256:<hex>`. */
export type TenantKey = z.output<typeof tenantKeySchema>;

/**
 * Buckets kept elsewhere, one set per pod (the primary of a gateway running several workers). When
 * it fails to answer, the worker's own buckets decide.
 */
export type SharedRateLimiter = (tenant: string, limits: RateLimits, tokens: number) => Promise<RateDecision>;

export interface Tenant {
  name: string;
  models: readonly string[];
  objective?: string;
}

export function hashKey(key: string): string {
  return `sha256:${createHash('sha256').update(key).digest('hex')}`;
}

export class TenantRegistry {
  /** By the hex of the key's SHA-256: a lookup by digest tells a caller nothing about any key. */
  private byHash = new Map<string, { tenant: Tenant; digest: Buffer }>();
  private limits = new Map<string, RateLimits>();
  private readonly buckets: TenantBuckets;

  constructor(
    keys: readonly TenantKey[],
    now: () => number = Date.now,
    private readonly shared?: { limiter: SharedRateLimiter; onError: (err: Error) => void },
  ) {
    this.replace(keys);
    this.buckets = new TenantBuckets(now);
  }

  /**
   * Swaps in a new key set at once (a rotated Secret): removed keys stop working, new ones start, and
   * a tenant keeps what it has used of its rate limits. Returns the number of tenants.
   */
  replace(keys: readonly TenantKey[]): number {
    const byHash = new Map<string, { tenant: Tenant; digest: Buffer }>();
    const limits = new Map<string, RateLimits>();
    for (const k of keys) {
      const hex = k.keyHash.slice('sha256:'.length);
      byHash.set(hex, { tenant: { name: k.name, models: k.models, objective: k.objective }, digest: Buffer.from(hex, 'hex') });
      limits.set(k.name, { requestsPerMinute: k.requestsPerMinute, tokensPerMinute: k.tokensPerMinute });
    }
    this.byHash = byHash;
    this.limits = limits;
    return limits.size;
  }

  /** The tenant of an `Authorization: Bearer <key>` header; 401 without a valid key. */
  authenticate(authorization: string | undefined): Tenant {
    const m = authorization?.match(/^Bearer\s+(\S+)$/i);
    if (!m) throw new ApiError('unauthorized', 'Missing API key: send it as "Authorization: Bearer <key>".');
    const digest = createHash('sha256').update(m[1]).digest();
    const entry = this.byHash.get(digest.toString('hex'));
    // The digests compared in constant time, as a key would be.
    if (!entry || !timingSafeEqual(entry.digest, digest)) throw new ApiError('unauthorized', 'Invalid API key.');
    return entry.tenant;
  }

  /**
   * 403 when the tenant may not use the model; 429 with Retry-After when over a rate limit. Settles at
   * once (no promise) unless the tenant has limits and the buckets are shared.
   */
  admit(tenant: Tenant, model: string, estimatedTokens: number): void | Promise<void> {
    if (tenant.models.length > 0 && !tenant.models.includes(model)) {
      throw new ApiError('forbidden', `This API key may not use the model \`${model}\`.`, 'model');
    }
    const limits = this.limits.get(tenant.name);
    if (!limits || (limits.requestsPerMinute === undefined && limits.tokensPerMinute === undefined)) return;
    if (!this.shared) return refuseOver(this.buckets.take(tenant.name, limits, estimatedTokens));
    const { onError } = this.shared;
    return this.shared.limiter(tenant.name, limits, estimatedTokens).then(refuseOver, (err: Error) => {
      onError(err);
      refuseOver(this.buckets.take(tenant.name, limits, estimatedTokens));
    });
  }
}

function refuseOver(d: RateDecision): void {
  if (d.waitSeconds > 0) {
    throw new ApiError('rate_limited', `Rate limit reached for ${d.limit ?? 'requests'} per minute; retry in ${d.waitSeconds} s.`, null, { 'retry-after': String(d.waitSeconds) });
  }
}
