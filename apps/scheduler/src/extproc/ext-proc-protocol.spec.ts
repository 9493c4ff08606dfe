import { ApiError } from '@llmd/openai';
import { bodyResponses, errorResponse, headersOf, inSubset, routeResponse, servedOf, setHeader, subsetOf } from './ext-proc-protocol';

const meta = (ns: string, key: string, value: unknown) => ({ filterMetadata: { [ns]: { [key]: value } }, typedFilterMetadata: {} });

describe('ext_proc protocol', () => {
  it('reads headers from raw_value or value, keys lower-cased, the last repeat winning', () => {
    const h = headersOf({ headers: [{ key: ':path', value: '', rawValue: Buffer.from('/v1/completions') }, { key: 'X-Request-Id', value: 'a', rawValue: Buffer.alloc(0) }, { key: 'x-request-id', value: 'b', rawValue: Buffer.alloc(0) }] });
    expect(Object.fromEntries(h)).toEqual({ ':path': '/v1/completions', 'x-request-id': 'b' });
  });

  it.each([
    ['a list', ['10.0.0.1:8000', ' 10.0.0.2:8000 '], ['10.0.0.1:8000', '10.0.0.2:8000']],
    ['a comma-separated string', '10.0.0.1:8000,10.0.0.2', ['10.0.0.1:8000', '10.0.0.2']],
    ['an empty list', [], []],
  ])('reads the subset hint from %s', (_name, value, expected) => {
    expect(subsetOf(meta('envoy.lb.subset_hint', 'x-gateway-destination-endpoint-subset', value))).toEqual(expected);
  });

  it('has no subset without the hint', () => {
    expect(subsetOf(undefined)).toBeUndefined();
    expect(subsetOf(meta('envoy.lb', 'x-gateway-destination-endpoint-subset', ['10.0.0.1:8000']))).toBeUndefined();
  });

  it.each([
    [['10.0.0.1:8000'], '10.0.0.1:8000', true],
    [['10.0.0.1:8000'], '10.0.0.1:8001', false],
    [['10.0.0.1'], '10.0.0.1:8001', true],
    [['10.0.0.12'], '10.0.0.1:8001', false],
    [['[fd00::1]'], '[fd00::1]:8000', true],
    [['[fd00::1]:8000'], '[fd00::2]:8000', false],
  ])('subset %p holds %s: %p', (subset, address, expected) => {
    expect(inSubset(subset, address)).toBe(expected);
  });

  it('reads the served endpoint from envoy.lb metadata', () => {
    expect(servedOf(meta('envoy.lb', 'x-gateway-destination-endpoint-served', '10.0.0.2:8000'))).toBe('10.0.0.2:8000');
    expect(servedOf(meta('envoy.lb', 'other', 'x'))).toBeUndefined();
  });

  it('routes with the same value as header and envoy.lb metadata, clearing the route cache', () => {
    const r = routeResponse(['10.0.0.1:8000', '10.0.0.2:8000'], [setHeader('x-prefiller-host-port', '10.0.0.3:8000')]);
    expect(r.dynamicMetadata).toEqual({ 'envoy.lb': { 'x-gateway-destination-endpoint': '10.0.0.1:8000,10.0.0.2:8000' } });
    const common = r.response?.$case === 'requestHeaders' ? r.response.value.response : undefined;
    expect(common?.clearRouteCache).toBe(true);
    expect(common?.headerMutation?.setHeaders.map((h) => [h.header?.key, h.header?.rawValue.toString(), h.header?.value])).toEqual([
      ['x-gateway-destination-endpoint', '10.0.0.1:8000,10.0.0.2:8000', ''],
      ['x-prefiller-host-port', '10.0.0.3:8000', ''],
    ]);
  });

  it.each([
    [0, [0]],
    [61999, [61999]],
    [62000, [62000]],
    [62001, [62000, 1]],
    [130000, [62000, 62000, 6000]],
  ])('streams a body of %d bytes back as pieces %p, end of stream on the last', (size, pieces) => {
    const out = bodyResponses('requestBody', Buffer.alloc(size, 1), true).map((m) => (m.response?.$case === 'requestBody' ? m.response.value.response?.bodyMutation?.mutation : undefined));
    expect(out.map((m) => (m?.$case === 'streamedResponse' ? m.value.body.length : -1))).toEqual(pieces);
    expect(out.map((m) => m?.$case === 'streamedResponse' && m.value.endOfStream)).toEqual(pieces.map((_, i) => i === pieces.length - 1));
  });

  it('answers an error itself with its status, the OpenAI error body and its headers', () => {
    const r = errorResponse(new ApiError('rate_limited', 'shed', null, { 'retry-after': '1' }));
    const im = r.response?.$case === 'immediateResponse' ? r.response.value : undefined;
    expect(im?.status?.code).toBe(429);
    expect(JSON.parse(im?.body.toString() ?? '{}')).toEqual({ error: { message: 'shed', type: expect.any(String), param: null, code: 'rate_limited' } });
    expect(Object.fromEntries((im?.headers?.setHeaders ?? []).map((h) => [h.header?.key, h.header?.rawValue.toString()]))).toEqual({ 'content-type': 'application/json', 'retry-after': '1' });
  });
});
