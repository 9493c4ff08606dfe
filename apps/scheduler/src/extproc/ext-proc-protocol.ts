// The Gateway API Inference Extension's endpoint-picker protocol over Envoy's ext_proc, as data: the
// header and metadata names, and the messages the scheduler sends back (pure; no I/O).
import { ApiError } from '@llmd/openai';
import { envoycorev3, extprocv3 } from '@llmd/proto';

/** The picked endpoint(s), `ip:port[,ip:port...]`: request header and `envoy.lb` metadata key. */
export const DESTINATION = 'x-gateway-destination-endpoint';
/** Namespace of the destination in dynamic metadata, and of the served endpoint in the response's metadata. */
export const LB_NAMESPACE = 'envoy.lb';
/** Namespace and key of the gateway's subset hint: the endpoints the pick must come from. */
export const SUBSET_NAMESPACE = 'envoy.lb.subset_hint';
export const SUBSET_KEY = 'x-gateway-destination-endpoint-subset';
/** The endpoint the gateway actually sent the request to (metadata on the response path). */
export const SERVED = 'x-gateway-destination-endpoint-served';
export const OBJECTIVE = 'x-gateway-inference-objective';
export const FAIRNESS_ID = 'x-gateway-inference-fairness-id';
export const MODEL_REWRITE = 'x-gateway-model-name-rewrite';
/** The prefill endpoint of a disaggregated pick, read by llm-d's routing sidecar on the decode pod. */
export const PREFILLER = 'x-prefiller-host-port';
export const REQUEST_ID = 'x-request-id';
/** Envoy's advice for one body message. */
export const BODY_CHUNK_BYTES = 62000;

export type Headers = ReadonlyMap<string, string>;

/** A header map as Envoy sends it (lower-case keys, the value in `raw_value` or `value`); the last of a repeated key wins. */
export function headersOf(map: envoycorev3.HeaderMap | undefined): Map<string, string> {
  const out = new Map<string, string>();
  for (const h of map?.headers ?? []) out.set(h.key.toLowerCase(), h.rawValue.length > 0 ? h.rawValue.toString('utf8') : h.value);
  return out;
}

/**
 * The subset hint of a request's metadata: a list of `ip:port` or `ip` (a list value, or one
 * comma-separated string); undefined when the gateway sent none.
 */
export function subsetOf(metadata: extprocv3.ProcessingRequest['metadataContext']): string[] | undefined {
  const value = metadata?.filterMetadata[SUBSET_NAMESPACE]?.[SUBSET_KEY] as unknown;
  if (Array.isArray(value)) return value.filter((v): v is string => typeof v === 'string').map((v) => v.trim()).filter(Boolean);
  if (typeof value === 'string') return value.split(',').map((v) => v.trim()).filter(Boolean);
  return undefined;
}

/** Whether an endpoint's `host:port` is in a subset: an entry with a port names that port, a bare host any of its ports. */
export function inSubset(subset: readonly string[], address: string): boolean {
  const host = hostOf(address);
  return subset.some((s) => s === address || (hostOf(s) === s && s === host));
}

/** The host of `host:port` (`[v6]:port` keeps its brackets); the whole string when it has no port. */
function hostOf(address: string): string {
  if (address.startsWith('[')) {
    const end = address.indexOf(']');
    return end < 0 ? address : address.slice(0, end + 1);
  }
  const colon = address.lastIndexOf(':');
  return colon < 0 || address.indexOf(':') !== colon ? address : address.slice(0, colon);
}

/** The endpoint the gateway served the request from, from the response's metadata. */
export function servedOf(metadata: extprocv3.ProcessingRequest['metadataContext']): string | undefined {
  const value = metadata?.filterMetadata[LB_NAMESPACE]?.[SERVED] as unknown;
  return typeof value === 'string' && value.length > 0 ? value.split(',')[0].trim() : undefined;
}

export function setHeader(key: string, value: string): envoycorev3.HeaderValueOption {
  // raw_value only (Envoy refuses both), and no append: the header is overwritten.
  return { header: { key, value: '', rawValue: Buffer.from(value, 'utf8') }, append: undefined, appendAction: 0, keepEmptyValue: false };
}

function response(r: extprocv3.ProcessingResponse['response'], dynamicMetadata?: Record<string, unknown>): extprocv3.ProcessingResponse {
  return {
    response: r,
    dynamicMetadata,
    typedDynamicMetadata: {},
    modeOverride: undefined,
    requestDrain: false,
    requestDrainRequests: false,
    requestDrainResponses: false,
    overrideMessageTimeout: undefined,
    serverWindowUpdate: undefined,
  };
}

function common(headers: envoycorev3.HeaderValueOption[] = [], clearRouteCache = false, body?: extprocv3.BodyMutation): extprocv3.CommonResponse {
  return { status: 0, headerMutation: headers.length > 0 ? { setHeaders: headers, removeHeaders: [] } : undefined, bodyMutation: body, trailers: undefined, clearRouteCache };
}

/** The answer to the request's headers: where it goes (header and `envoy.lb` metadata, the same value). */
export function routeResponse(destinations: readonly string[], extraHeaders: envoycorev3.HeaderValueOption[]): extprocv3.ProcessingResponse {
  const value = destinations.join(',');
  return response({ $case: 'requestHeaders', value: { response: common([setHeader(DESTINATION, value), ...extraHeaders], true) } }, { [LB_NAMESPACE]: { [DESTINATION]: value } });
}

/** The answer to headers that need nothing changed (a response's headers). */
export function continueHeaders(phase: 'requestHeaders' | 'responseHeaders'): extprocv3.ProcessingResponse {
  return response({ $case: phase, value: { response: common() } });
}

export function continueTrailers(phase: 'requestTrailers' | 'responseTrailers'): extprocv3.ProcessingResponse {
  return response({ $case: phase, value: { headerMutation: undefined } });
}

/**
 * A body sent back in streamed mode: pieces of at most BODY_CHUNK_BYTES, the last marked with
 * `endOfStream` (an empty body is one empty message).
 */
export function bodyResponses(phase: 'requestBody' | 'responseBody', body: Buffer, endOfStream: boolean): extprocv3.ProcessingResponse[] {
  const out: extprocv3.ProcessingResponse[] = [];
  let at = 0;
  do {
    const piece = body.subarray(at, at + BODY_CHUNK_BYTES);
    at += piece.length;
    const last = at >= body.length;
    const streamed = { body: piece, endOfStream: last && endOfStream, endOfStreamWithoutMessage: false, grpcMessageCompressed: false, drainComplete: false };
    out.push(response({ $case: phase, value: { response: common([], false, { mutation: { $case: 'streamedResponse', value: streamed } }) } }));
  } while (at < body.length);
  return out;
}

/** The request answered by the gateway itself, with llmd's OpenAI error shape (and extra headers such as Retry-After). */
export function errorResponse(error: ApiError, headers: Record<string, string> = {}): extprocv3.ProcessingResponse {
  const set = [setHeader('content-type', 'application/json'), ...Object.entries({ ...error.headers, ...headers }).map(([k, v]) => setHeader(k, v))];
  return response({
    $case: 'immediateResponse',
    value: { status: { code: error.status }, headers: { setHeaders: set, removeHeaders: [] }, body: Buffer.from(JSON.stringify(error.toBody())), grpcStatus: undefined, details: `llmd_${error.code}` },
  });
}
