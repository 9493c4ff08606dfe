import { inspect } from 'node:util';
import { ApiError } from '@llmd/openai';
import { gatewayConfigSchema } from '../config';
import { hashKey, TenantRegistry, tenantKeySchema } from './tenant-registry';

const keys = [
  { name: 'team-a', key: 'sk-team-a-0001', models: ['llama'], requestsPerMinute: 2 },
  { name: 'team-b', keyHash: hashKey('sk-team-b-0002'), models: [], objective: 'batch', tokensPerMinute: 1000 },
].map((k) => tenantKeySchema.parse(k));

function error(fn: () => unknown): ApiError | undefined {
  try {
    fn();
  } catch (err) {
    return err as ApiError;
  }
  return undefined;
}

describe('TenantRegistry', () => {
  it.each([
    ['no header', undefined, 401],
    ['not a bearer token', 'Basic abc', 401],
    ['an unknown key', 'Bearer sk-nobody-000', 401],
  ])('refuses %s with 401', (_name, header, status) => {
    expect(error(() => new TenantRegistry(keys).authenticate(header))?.status).toBe(status);
  });

  it('knows a key given in clear and one given by its hash', () => {
    const r = new TenantRegistry(keys);
    expect(r.authenticate('Bearer sk-team-a-0001').name).toBe('team-a');
    expect(r.authenticate('bearer sk-team-b-0002')).toEqual({ name: 'team-b', models: [], objective: 'batch' });
  });

  it('refuses a model the tenant may not use with 403', () => {
    const r = new TenantRegistry(keys);
    expect(error(() => r.admit(r.authenticate('Bearer sk-team-a-0001'), 'mistral', 10))?.status).toBe(403);
  });

  it('limits requests and tokens per minute, with Retry-After', () => {
    const r = new TenantRegistry(keys, () => 0);
    const a = r.authenticate('Bearer sk-team-a-0001');
    r.admit(a, 'llama', 10);
    r.admit(a, 'llama', 10);
    const third = error(() => r.admit(a, 'llama', 10));
    expect(third?.status).toBe(429);
    expect(third?.headers['retry-after']).toBe('30');
    const b = r.authenticate('Bearer sk-team-b-0002');
    r.admit(b, 'any', 900);
    expect(error(() => r.admit(b, 'any', 200))?.toBody().error.message).toMatch(/tokens per minute/);
  });

  it('wants exactly one of key and keyHash, and a well-formed hash', () => {
    expect(tenantKeySchema.safeParse({ name: 'x' }).success).toBe(false);
    expect(tenantKeySchema.safeParse({ name: 'x', key: 'sk-12345678', keyHash: hashKey('y') }).success).toBe(false);
    expect(tenantKeySchema.safeParse({ name: 'x', keyHash: 'md5:abc' }).success).toBe(false);
  });

  it('holds no key in clear: not in the parsed config, nor anywhere in the registry', () => {
    const config = gatewayConfigSchema.parse({ auth: { enabled: true, keys: [{ name: 'team-a', key: 'sk-team-a-0001' }] } });
    expect(config.auth.keys).toEqual([expect.objectContaining({ name: 'team-a', keyHash: hashKey('sk-team-a-0001') })]);
    expect(JSON.stringify(config)).not.toContain('sk-team-a-0001');
    const r = new TenantRegistry(keys);
    expect(inspect(r, { depth: 10 })).not.toContain('sk-team-a-0001');
  });

  it('tells a key from one that differs in its last character', () => {
    const r = new TenantRegistry(keys);
    expect(error(() => r.authenticate('Bearer sk-team-a-0002'))?.status).toBe(401);
  });

  describe('with the buckets shared (several workers)', () => {
    it('asks the shared buckets only for a tenant with limits, and refuses as they say', async () => {
      const asked: [string, unknown, number][] = [];
      const r = new TenantRegistry(keys, () => 0, {
        limiter: async (tenant, limits, tokens) => {
          asked.push([tenant, limits, tokens]);
          return asked.length > 1 ? { waitSeconds: 7, limit: 'requests' } : { waitSeconds: 0 };
        },
        onError: () => undefined,
      });
      await r.admit(r.authenticate('Bearer sk-team-a-0001'), 'llama', 10);
      await expect(r.admit(r.authenticate('Bearer sk-team-a-0001'), 'llama', 10)).rejects.toMatchObject({ status: 429, headers: { 'retry-after': '7' } });
      expect(asked).toEqual([
        ['team-a', { requestsPerMinute: 2, tokensPerMinute: undefined }, 10],
        ['team-a', { requestsPerMinute: 2, tokensPerMinute: undefined }, 10],
      ]);
      const unlimited = new TenantRegistry([tenantKeySchema.parse({ name: 'free', key: 'sk-free-0003' })], () => 0, { limiter: () => Promise.reject(new Error('not asked')), onError: () => undefined });
      expect(unlimited.admit(unlimited.authenticate('Bearer sk-free-0003'), 'any', 10)).toBeUndefined();
    });

    it('decides with its own buckets when the shared ones do not answer, and says so', async () => {
      const errors: string[] = [];
      const r = new TenantRegistry(keys, () => 0, { limiter: () => Promise.reject(new Error('no answer')), onError: (e) => errors.push(e.message) });
      const a = r.authenticate('Bearer sk-team-a-0001');
      await r.admit(a, 'llama', 10);
      await r.admit(a, 'llama', 10);
      await expect(r.admit(a, 'llama', 10)).rejects.toMatchObject({ status: 429 });
      expect(errors).toEqual(['no answer', 'no answer', 'no answer']);
    });
  });
});
