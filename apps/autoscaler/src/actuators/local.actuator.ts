// The local stack's actuator: an HTTP client of the pool control server that `tools/llmd up --autoscale`
// (and the tests' LocalStack) serve. GET /pools lists the pools, PUT /pools/<name>/scale sets replicas.
import { z } from 'zod';
import type { Actuator, ListedPool, PoolRef } from './actuator';
import { issuesLine, parseAutoscaling } from './spec-issues';

const count = z.number().int().min(0);

const localPool = z.object({
  namespace: z.string().min(1).default('local'),
  name: z.string().min(1),
  model: z.string(),
  role: z.enum(['unified', 'prefill', 'decode']),
  replicas: count,
  readyReplicas: count.default(0),
  startingReplicas: count.default(0),
  endpointIds: z.array(z.string()).default([]),
  startupSeconds: z.array(z.number().min(0)).default([]),
  autoscaling: z.unknown(),
});

const poolsResponse = z.object({ pools: z.array(localPool) });
const errorBody = z.object({ error: z.object({ message: z.string() }) });

/** Pure: the pools of a GET /pools body; an entry whose autoscaling does not parse comes back invalid. */
export function parseLocalPools(body: unknown): ListedPool[] {
  const parsed = poolsResponse.safeParse(body);
  if (!parsed.success) throw new Error(`pool control server: unexpected GET /pools body: ${issuesLine(parsed.error, '')}`);
  return parsed.data.pools.map((p) => {
    const common = { namespace: p.namespace, name: p.name, model: p.model, role: p.role, specReplicas: p.replicas, readyReplicas: p.readyReplicas, startingReplicas: p.startingReplicas, endpointIds: p.endpointIds };
    const spec = parseAutoscaling(p.autoscaling, `pools[${p.name}].autoscaling`);
    if ('invalid' in spec) return { ...common, invalid: spec.invalid };
    return { ...common, autoscaling: spec.spec, startupSeconds: p.startupSeconds, acceleratorType: spec.spec.acceleratorType };
  });
}

/** Pure: the error of a non-2xx answer, with the server's own message when it sent one. */
export function scaleFailure(pool: string, replicas: number, status: number, body: unknown): Error {
  const parsed = errorBody.safeParse(body);
  const why = parsed.success ? parsed.data.error.message : `HTTP ${status}`;
  return new Error(`pool control server refused ${pool} -> ${replicas} replicas (${status}): ${why}`);
}

export class LocalActuator implements Actuator {
  readonly kind = 'local' as const;
  private answered = false;

  constructor(private readonly baseUrl: string, private readonly timeoutMs = 5000) {}

  ready(): boolean {
    return this.answered;
  }

  async pools(): Promise<ListedPool[]> {
    try {
      const res = await fetch(new URL('/pools', this.baseUrl), { signal: AbortSignal.timeout(this.timeoutMs) });
      if (!res.ok) throw new Error(`pool control server: GET /pools answered ${res.status}`);
      const pools = parseLocalPools(await res.json());
      this.answered = true;
      return pools;
    } catch (err) {
      this.answered = false;
      throw err;
    }
  }

  async scale(pool: PoolRef, replicas: number): Promise<void> {
    const res = await fetch(new URL(`/pools/${encodeURIComponent(pool.name)}/scale`, this.baseUrl), {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ spec: { replicas } }),
      signal: AbortSignal.timeout(this.timeoutMs),
    });
    if (res.ok) return;
    const body = await res.json().catch(() => undefined);
    throw scaleFailure(pool.name, replicas, res.status, body);
  }
}
