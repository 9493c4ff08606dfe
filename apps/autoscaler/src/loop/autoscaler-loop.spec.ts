import pino from 'pino';
import type { EndpointLoadRecord, RequestMetricsRecord, ScalingDecisionRecord } from '@llmd/telemetry';
import { autoscalingSpec } from '@llmd/crd-types';
import type { Actuator, ListedPool, PoolRef } from '../actuators/actuator';
import { PoolLoadView } from '../inputs/pool-load';
import { AutoscalerLoop } from './autoscaler-loop';
import { createPoolAutoscaler, PoolAutoscalers } from './pool-autoscalers';

const NOW = 1_800_000_000_000;

/** The actuator interface over an in-memory list of pools (the loop's only collaborator). */
class MemoryActuator implements Actuator {
  readonly kind = 'local' as const;
  readonly writes: { pool: string; replicas: number }[] = [];
  refuse?: string;
  constructor(public listed: ListedPool[]) {}
  async pools(): Promise<ListedPool[]> {
    return this.listed;
  }
  async scale(pool: PoolRef, replicas: number): Promise<void> {
    if (this.refuse) throw new Error(this.refuse);
    this.writes.push({ pool: `${pool.namespace}/${pool.name}`, replicas });
  }
  ready(): boolean {
    return true;
  }
}

const decodePool = (over: Partial<ListedPool> = {}): ListedPool => ({
  namespace: 'prod', name: 'decode', model: 'llama', role: 'decode',
  autoscaling: autoscalingSpec.parse({ policy: 'saturation', minReplicas: 1, maxReplicas: 5 }),
  specReplicas: 2, readyReplicas: 2, startingReplicas: 0, endpointIds: ['prod/d-0', 'prod/d-1'],
  ...over,
} as ListedPool);

const load = (endpointId: string, kvCacheUsage: number, waiting: number, at = NOW): EndpointLoadRecord => ({
  endpointId, model: 'llama', pool: 'decode', role: 'decode', timestampUnixMs: at, healthy: true, waiting, running: 4, inFlight: 4, kvCacheUsage, prefixCacheHitRate: 0, promptTokensPerSecond: 0, generationTokensPerSecond: 0,
});

const request = (over: Partial<RequestMetricsRecord> = {}): RequestMetricsRecord => ({
  requestId: 'r', model: 'llama', tenant: '', startUnixMs: NOW - 2000, ttftMs: 90, itlMs: 15, e2eMs: 1500, promptTokens: 800, completionTokens: 100, cachedTokens: 0,
  decodeEndpoint: 'prod/d-0', prefillEndpoint: '', httpStatus: 200, errorCode: '', stream: true, failOpen: false, traceId: '', endpointPath: '/v1/completions', ...over,
});

function setup(pools: ListedPool[], mode: 'scale' | 'recommend' = 'scale', snapshots: EndpointLoadRecord[] = []) {
  const actuator = new MemoryActuator(pools);
  const view = new PoolLoadView(10000);
  for (const s of snapshots) view.observe(s);
  const decisions: ScalingDecisionRecord[] = [];
  const gone: string[] = [];
  const errors: string[] = [];
  const autoscalers = new PoolAutoscalers(createPoolAutoscaler);
  const loop = new AutoscalerLoop({
    actuator, mode, load: view, logger: pino({ enabled: false }), autoscalers,
    onDecision: (d) => decisions.push(d),
    onPoolGone: (key) => gone.push(key),
    onScaleError: (p, err) => errors.push(`${p.name}: ${err.message}`),
  });
  return { actuator, view, loop, decisions, gone, errors, autoscalers };
}

/** Both replicas unsaturated with little spare KV: the WVA rules add one. */
const tight = [load('prod/d-0', 0.75, 1), load('prod/d-1', 0.76, 1)];
/** Plenty of room on both. */
const easy = [load('prod/d-0', 0.2, 0), load('prod/d-1', 0.25, 0)];

describe('AutoscalerLoop', () => {
  it('scale mode: spare KV running low writes one more replica, applied, with the reason', async () => {
    const { loop, actuator, decisions } = setup([decodePool()], 'scale', tight);
    await loop.sync(NOW);
    expect(actuator.writes).toEqual([{ pool: 'prod/decode', replicas: 3 }]);
    expect(decisions).toEqual([expect.objectContaining({ namespace: 'prod', pool: 'decode', role: 'decode', policy: 'saturation', currentReplicas: 2, desiredReplicas: 3, readyReplicas: 2, applied: true, timestampUnixMs: NOW })]);
    expect(decisions[0].reason).toMatch(/^[a-z]+(-[a-z]+)*$/);
  });

  it('recommend mode: the same decision, nothing written', async () => {
    const { loop, actuator, decisions } = setup([decodePool()], 'recommend', tight);
    await loop.sync(NOW);
    expect(actuator.writes).toEqual([]);
    expect(decisions).toEqual([expect.objectContaining({ desiredReplicas: 3, applied: false })]);
  });

  it('room to spare at the minimum: steady, nothing written', async () => {
    const { loop, actuator, decisions } = setup([decodePool({ specReplicas: 1, readyReplicas: 1, endpointIds: ['prod/d-0'] })], 'scale', [easy[0]]);
    await loop.sync(NOW);
    expect(actuator.writes).toEqual([]);
    expect(decisions).toEqual([expect.objectContaining({ currentReplicas: 1, desiredReplicas: 1, applied: false })]);
  });

  it('only the pool\'s own endpoints count, and stale snapshots not at all', async () => {
    const other = [load('prod/other-0', 0.99, 50), load('prod/d-0', 0.99, 50, NOW - 60000)];
    const { loop, decisions } = setup([decodePool()], 'recommend', [...easy, ...other]);
    await loop.sync(NOW);
    expect(decisions[0].desiredReplicas).toBeLessThanOrEqual(2);
  });

  it('a refused write is reported, not applied, and the loop goes on', async () => {
    const { loop, actuator, decisions, errors } = setup([decodePool()], 'scale', tight);
    actuator.refuse = 'outside the stack\'s pod limit';
    await loop.sync(NOW);
    expect(decisions).toEqual([expect.objectContaining({ desiredReplicas: 3, applied: false, message: expect.stringContaining('Not applied: outside the stack\'s pod limit') })]);
    expect(errors).toEqual(['decode: outside the stack\'s pod limit']);
  });

  it('an invalid spec is skipped with reason invalid-spec, never scaled', async () => {
    const invalid = { ...decodePool(), autoscaling: undefined, invalid: 'spec.autoscaling.maxReplicas: required' } as unknown as ListedPool;
    const { loop, actuator, decisions } = setup([invalid], 'scale', tight);
    await loop.sync(NOW);
    expect(actuator.writes).toEqual([]);
    expect(decisions).toEqual([expect.objectContaining({ reason: 'invalid-spec', policy: '', desiredReplicas: 2, applied: false, message: 'Skipped: spec.autoscaling.maxReplicas: required' })]);
  });

  it('an slo pool without a GPU cost profile is skipped naming costProfile', async () => {
    const slo = decodePool({ model: 'no-such-model', autoscaling: autoscalingSpec.parse({ policy: 'slo', maxReplicas: 4, slo: { ttftMs: 500, itlMs: 30 }, costProfile: 'no-such-profile' }) });
    const { loop, decisions } = setup([slo], 'scale', tight);
    await loop.sync(NOW);
    expect(decisions).toEqual([expect.objectContaining({ reason: 'invalid-spec', message: expect.stringContaining('spec.autoscaling.costProfile') })]);
  });

  it('a replica that does not lead decides in shadow: its history stays warm, nothing is written or reported', async () => {
    const { loop, actuator, decisions, autoscalers } = setup([decodePool()], 'scale', tight);
    expect(await loop.sync(NOW, 'list')).toEqual([]);
    const decide = jest.spyOn(autoscalers.get('prod/decode')!, 'decide');
    expect(await loop.sync(NOW + 15000, 'shadow')).toEqual([]);
    expect(decide).toHaveBeenCalledTimes(1);
    expect(actuator.writes).toEqual([]);
    expect(decisions).toEqual([]);
    expect(loop.observeRequest(request())).toBe('recorded');
  });

  it("a change of spec.replicas it did not write counts in the pool's rate limits", async () => {
    const { loop, actuator, autoscalers } = setup([decodePool()], 'scale', tight);
    await loop.sync(NOW, 'list');
    const scaled = jest.spyOn(autoscalers.get('prod/decode')!, 'scaled');
    const before = actuator.listed[0].specReplicas;
    actuator.listed = [decodePool({ specReplicas: before + 1 } as Partial<ListedPool>)];
    await loop.sync(NOW + 15000, 'list');
    expect(scaled).toHaveBeenCalledWith(NOW + 15000, before, before + 1);
  });

  it('finished requests reach their pools once listed; failed ones are not learned from', async () => {
    const { loop, autoscalers } = setup([decodePool()]);
    expect(loop.observeRequest(request())).toBe('unmapped');
    await loop.sync(NOW, 'list');
    const record = jest.spyOn(autoscalers.get('prod/decode')!, 'record');
    expect(loop.observeRequest(request())).toBe('recorded');
    expect(record).toHaveBeenCalledWith({ endMs: NOW - 500, ttftMs: 90, itlMs: 15, promptTokens: 800, cachedTokens: 0, outputTokens: 100 });
    expect(loop.observeRequest(request({ decodeEndpoint: 'elsewhere/x', model: 'other' }))).toBe('unmapped');
    expect(loop.observeRequest(request({ httpStatus: 503 }))).toBe('failed-request');
  });

  it('a request refused for want of an endpoint wakes its model\'s pool from zero', async () => {
    const atZero = decodePool({ specReplicas: 0, readyReplicas: 0, endpointIds: [], autoscaling: autoscalingSpec.parse({ policy: 'saturation', minReplicas: 0, maxReplicas: 5, scaleToZero: true }) } as Partial<ListedPool>);
    const { loop, actuator, decisions } = setup([atZero]);
    await loop.sync(NOW, 'list');
    expect(loop.observeRequest(request({ decodeEndpoint: '', httpStatus: 503, errorCode: 'no_endpoint_available' }))).toBe('refused-no-endpoint');
    expect(loop.observeRequest(request({ decodeEndpoint: '', httpStatus: 400, errorCode: 'invalid_request' }))).toBe('failed-request');
    await loop.sync(NOW + 15000);
    expect(decisions).toEqual([expect.objectContaining({ reason: 'wake-from-zero', currentReplicas: 0, desiredReplicas: 1, applied: true })]);
    expect(actuator.writes).toEqual([{ pool: 'prod/decode', replicas: 1 }]);
    // counted once: the next decision has no refused request to wake on
    actuator.listed = [atZero];
    await loop.sync(NOW + 30000);
    expect(decisions[1]).toMatchObject({ reason: 'no-traffic', desiredReplicas: 0 });
  });

  it('a P/D request counts for both pools, each its own way: no cache hits for prefill, prefilled elsewhere for decode', async () => {
    const prefill = decodePool({ name: 'prefill', role: 'prefill', endpointIds: ['prod/p-0'] } as Partial<ListedPool>);
    const { loop, autoscalers } = setup([prefill, decodePool()]);
    await loop.sync(NOW, 'list');
    const recordPrefill = jest.spyOn(autoscalers.get('prod/prefill')!, 'record');
    const recordDecode = jest.spyOn(autoscalers.get('prod/decode')!, 'record');
    expect(loop.observeRequest(request({ prefillEndpoint: 'prod/p-0', cachedTokens: 800 }))).toBe('recorded');
    expect(recordPrefill).toHaveBeenCalledWith(expect.objectContaining({ promptTokens: 800, cachedTokens: 0 }));
    expect(recordPrefill.mock.calls[0][0].remotePrefill).toBeUndefined();
    expect(recordDecode).toHaveBeenCalledWith(expect.objectContaining({ promptTokens: 800, cachedTokens: 800, remotePrefill: true }));
  });

  it('start-up times reach the pool\'s autoscaler; a spec change updates it in place', async () => {
    const { loop, actuator, autoscalers } = setup([decodePool({ startupSeconds: [42] } as Partial<ListedPool>)]);
    await loop.sync(NOW, 'list');
    const autoscaler = autoscalers.get('prod/decode')!;
    const startup = jest.spyOn(autoscaler, 'observeStartup');
    const update = jest.spyOn(autoscaler, 'updateSpec');
    actuator.listed = [decodePool({ startupSeconds: [7], autoscaling: autoscalingSpec.parse({ maxReplicas: 8 }) } as Partial<ListedPool>)];
    await loop.sync(NOW + 15000, 'list');
    expect(startup).toHaveBeenCalledWith(7);
    expect(update).toHaveBeenCalledWith(expect.objectContaining({ maxReplicas: 8 }));
    expect(autoscalers.get('prod/decode')).toBe(autoscaler);
  });

  it('history binned per pool seeds its autoscaler once, oldest bin first', async () => {
    const { loop, autoscalers } = setup([decodePool()]);
    await loop.sync(NOW, 'list');
    const seed = jest.spyOn(autoscalers.get('prod/decode')!, 'seed');
    const day = 86_400_000;
    expect(loop.addHistory(request({ startUnixMs: NOW - day + 61_000, e2eMs: 0 }))).toBe(true);
    expect(loop.addHistory(request({ startUnixMs: NOW - day + 1_000, e2eMs: 0 }))).toBe(true);
    expect(loop.addHistory(request({ startUnixMs: NOW - day + 2_000, e2eMs: 0, promptTokens: 200 }))).toBe(true);
    expect(loop.addHistory(request({ model: 'other', decodeEndpoint: 'x' }))).toBe(false);
    expect(loop.seedHistory()).toBe(1);
    const bin0 = Math.floor((NOW - day + 1_000) / 60_000) * 60_000;
    const bins = seed.mock.calls[0][0];
    expect(bins[0]).toEqual({ startMs: bin0, requests: 2, promptTokens: 1000, outputTokens: 200 });
    expect(bins.map((b) => b.startMs)).toEqual([...bins.map((b) => b.startMs)].sort((a, b) => a - b));
    expect(bins.reduce((n, b) => n + b.requests, 0)).toBe(3);
  });

  it('an observation the policy refuses is reported for that pool alone', async () => {
    const bad = decodePool({ name: 'bad', endpointIds: ['prod/b-0'] });
    const { loop, decisions } = setup([bad, decodePool()], 'scale', [...tight, { ...load('prod/b-0', -1, 0), pool: 'bad' }]);
    await loop.sync(NOW);
    expect(decisions).toEqual([
      expect.objectContaining({ pool: 'bad', reason: 'decide-failed', applied: false, message: expect.stringContaining('kvCacheUsage') }),
      expect.objectContaining({ pool: 'decode', desiredReplicas: 3, applied: true }),
    ]);
  });

  it('a sample the policy refuses is counted, not thrown', async () => {
    const { loop } = setup([decodePool()]);
    await loop.sync(NOW, 'list');
    expect(loop.observeRequest(request({ ttftMs: -5 }))).toBe('invalid-sample');
  });

  it('a pool no longer listed is forgotten', async () => {
    const { loop, actuator, gone, autoscalers } = setup([decodePool()]);
    await loop.sync(NOW);
    actuator.listed = [];
    await loop.sync(NOW + 15000);
    expect(gone).toEqual(['prod/decode']);
    expect(autoscalers.get('prod/decode')).toBeUndefined();
  });
});
