import type { EndpointLoadRecord, RequestMetricsRecord } from '@llmd/telemetry';
import { DirectoryPool, PoolDirectory, requestSample } from './pool-directory';

const pools: DirectoryPool[] = [
  { namespace: 'prod', name: 'llama-prefill', model: 'llama', role: 'prefill', endpointIds: ['prod/llama-prefill-0'] },
  { namespace: 'prod', name: 'llama-decode', model: 'llama', role: 'decode', endpointIds: ['prod/llama-decode-0', 'prod/llama-decode-1'] },
  { namespace: 'prod', name: 'qwen', model: 'qwen', role: 'unified', endpointIds: ['prod/qwen-0'] },
  { namespace: 'local', name: 'decode', model: 'sim', role: 'decode', endpointIds: ['sim-2'] },
];

const req = (over: Partial<RequestMetricsRecord>): RequestMetricsRecord => ({
  requestId: 'r', model: 'llama', tenant: '', startUnixMs: 1000, ttftMs: 80, itlMs: 12, e2eMs: 900, promptTokens: 500, completionTokens: 64, cachedTokens: 100,
  decodeEndpoint: '', prefillEndpoint: '', httpStatus: 200, errorCode: '', stream: true, failOpen: false, traceId: '', endpointPath: '/v1/completions', ...over,
});

const load = (endpointId: string, pool: string): EndpointLoadRecord => ({
  endpointId, pool, model: 'm', role: 'both', timestampUnixMs: 0, healthy: true, waiting: 0, running: 0, inFlight: 0, kvCacheUsage: 0, prefixCacheHitRate: 0, promptTokensPerSecond: 0, generationTokensPerSecond: 0,
});

describe('PoolDirectory', () => {
  const dir = new PoolDirectory(pools);

  it.each<[string, Partial<RequestMetricsRecord>, string[]]>([
    ['P/D: the prefill pool (TTFT) and the decode pool (ITL)', { decodeEndpoint: 'prod/llama-decode-1', prefillEndpoint: 'prod/llama-prefill-0' }, ['prod/llama-decode', 'prod/llama-prefill']],
    ['unified: the one pool that served it', { model: 'qwen', decodeEndpoint: 'prod/qwen-0' }, ['prod/qwen']],
    ['a data-parallel rank belongs to its pod', { model: 'qwen', decodeEndpoint: 'prod/qwen-0-rank-3' }, ['prod/qwen']],
    ['local endpoint ids', { model: 'sim', decodeEndpoint: 'sim-2' }, ['local/decode']],
    ['an endpoint gone since: the model\'s only pool of that role', { decodeEndpoint: 'prod/llama-decode-9', prefillEndpoint: 'prod/llama-prefill-7' }, ['prod/llama-decode', 'prod/llama-prefill']],
    ['unknown model and endpoint: no pool', { model: 'other', decodeEndpoint: 'x/y' }, []],
    ['no endpoint at all (failed before routing): no pool', { model: 'qwen' }, []],
  ])('maps a request: %s', (_name, over, expected) => {
    expect(dir.request(req(over)).sort()).toEqual(expected.sort());
  });

  it.each<[string, EndpointLoadRecord, string | undefined]>([
    ['by endpoint id', load('prod/llama-decode-0', ''), 'prod/llama-decode'],
    ['by its pool label, namespace from the id', load('prod/new-pod', 'qwen'), 'prod/qwen'],
    ['by its pool label locally', load('sim-9', 'decode'), 'local/decode'],
    ['a label of another namespace: none', load('staging/x', 'qwen'), undefined],
    ['no label, unknown id: none', load('sim-7', ''), undefined],
  ])('maps a load snapshot %s', (_name, record, expected) => {
    expect(dir.loadRecord(record)).toBe(expected);
  });
});

describe('requestSample', () => {
  it('is a finished request as the policies read it', () => {
    expect(requestSample(req({}))).toEqual({ endMs: 1900, ttftMs: 80, itlMs: 12, promptTokens: 500, cachedTokens: 100, outputTokens: 64, viaPrefill: false });
  });
  it.each([[{ httpStatus: 503 }], [{ httpStatus: 200, errorCode: 'upstream_timeout' }], [{ httpStatus: 0 }]])('skips a failed request %j', (over) => {
    expect(requestSample(req(over))).toBeUndefined();
  });
});
