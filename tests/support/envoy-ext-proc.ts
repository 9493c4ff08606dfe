// A client of the scheduler's ext_proc port that behaves as Envoy does in FULL_DUPLEX_STREAMED mode:
// it sends a request's headers and its body in chunks (with the gateway's metadata), applies the
// picker's answer (headers, streamed body), sends the request to the destination it names, and passes
// the pod's response back through the picker (headers with the served endpoint, then the body as it
// arrives) before it half-closes the stream. Built from Envoy's own protos (@llmd/proto's extprocv3).
import { credentials } from '@grpc/grpc-js';
import { envoycorev3, extprocv3 } from '@llmd/proto';

export interface EnvoyRequest {
  path: string;
  method?: string;
  headers?: Record<string, string>;
  body?: Buffer | string;
  /** Bytes per request_body message. @default 16384 */
  chunkBytes?: number;
  /** `envoy.lb.subset_hint` metadata (a list, as Envoy forwards it). */
  subset?: string[];
  /** Stop reading the pod's response after this many body reads, and cancel the stream (a client gone). */
  abortAfterChunks?: number;
  /** Only ask for the route (no request is sent to the pod); the stream is then cancelled. */
  routeOnly?: boolean;
  /** Which of the picker's destinations the request is sent to (a retry on a fallback); the first by default. */
  serveAt?: (destinations: string[]) => string;
  /** Runs once the response's headers have passed the picker, before its body does. */
  whileStreaming?: () => Promise<void>;
  /** Send request trailers after the body (its last piece then does not end the stream). */
  trailers?: boolean;
}

export interface EnvoyResult {
  /** An immediate response from the picker, when it answered the request itself. */
  immediate?: { status: number; headers: Record<string, string>; body: string };
  /** Headers the picker set on the request (lower-case). */
  setHeaders: Record<string, string>;
  /** The picker's `envoy.lb` dynamic metadata. */
  lbMetadata?: Record<string, unknown>;
  /** The request body as the picker streamed it back, and its pieces' sizes. */
  forwardedBody: Buffer;
  forwardedPieces: number[];
  /** The request trailers were answered (after the body). */
  trailersAnswered?: boolean;
  /** The pod's answer as it passed back through the picker. */
  status?: number;
  responseBody?: string;
}

const header = (key: string, value: string): envoycorev3.HeaderValue => ({ key, value: '', rawValue: Buffer.from(value) });

function processingRequest(r: extprocv3.ProcessingRequest['request'], metadata?: extprocv3.ProcessingRequest['metadataContext']): extprocv3.ProcessingRequest {
  return { request: r, metadataContext: metadata, attributes: {}, observabilityMode: false, protocolConfig: undefined, flowControlInit: undefined, clientWindowUpdate: undefined };
}

/** Responses of one stream, awaited in order. */
class Inbox {
  private readonly queue: extprocv3.ProcessingResponse[] = [];
  private waiter?: (m: extprocv3.ProcessingResponse | undefined) => void;
  ended = false;

  push(m: extprocv3.ProcessingResponse): void {
    if (this.waiter) {
      const w = this.waiter;
      this.waiter = undefined;
      w(m);
    } else this.queue.push(m);
  }

  end(): void {
    this.ended = true;
    this.waiter?.(undefined);
  }

  next(timeoutMs = 30000): Promise<extprocv3.ProcessingResponse | undefined> {
    const m = this.queue.shift();
    if (m || this.ended) return Promise.resolve(m);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('no ext_proc response in time')), timeoutMs);
      this.waiter = (v) => {
        clearTimeout(timer);
        resolve(v);
      };
    });
  }
}

export class EnvoyExtProcClient {
  private readonly client: extprocv3.ExternalProcessorClient;

  constructor(address: string) {
    this.client = new extprocv3.ExternalProcessorClient(address, credentials.createInsecure());
  }

  close(): void {
    this.client.close();
  }

  async request(req: EnvoyRequest): Promise<EnvoyResult> {
    const call = this.client.process();
    const inbox = new Inbox();
    call.on('data', (m: extprocv3.ProcessingResponse) => inbox.push(m));
    call.on('end', () => inbox.end());
    call.on('error', () => inbox.end());
    const metadata = req.subset ? { filterMetadata: { 'envoy.lb.subset_hint': { 'x-gateway-destination-endpoint-subset': req.subset } }, typedFilterMetadata: {} } : undefined;
    const body = req.body === undefined ? undefined : Buffer.isBuffer(req.body) ? req.body : Buffer.from(req.body);
    const headers = [header(':method', req.method ?? (body ? 'POST' : 'GET')), header(':path', req.path), header(':authority', 'llmd.test'), header(':scheme', 'http'), ...Object.entries({ 'content-type': 'application/json', ...(body ? { 'content-length': String(body.length) } : {}), ...req.headers }).map(([k, v]) => header(k, v))];
    call.write(processingRequest({ $case: 'requestHeaders', value: { headers: { headers }, attributes: {}, endOfStream: !body } }, metadata));
    if (body) {
      const size = req.chunkBytes ?? 16384;
      for (let at = 0; at < body.length || at === 0; at += size) {
        const piece = body.subarray(at, at + size);
        call.write(processingRequest({ $case: 'requestBody', value: { body: piece, endOfStream: !req.trailers && at + size >= body.length, endOfStreamWithoutMessage: false, grpcMessageCompressed: false, drainComplete: false } }, metadata));
        if (body.length === 0) break;
      }
      if (req.trailers) call.write(processingRequest({ $case: 'requestTrailers', value: { trailers: { headers: [header('x-checksum', 'abc')] } } }, metadata));
    }
    const result: EnvoyResult = { setHeaders: {}, forwardedBody: Buffer.alloc(0), forwardedPieces: [] };
    const first = await inbox.next();
    if (!first?.response) throw new Error('the picker closed the stream without an answer');
    if (first.response.$case === 'immediateResponse') {
      const im = first.response.value;
      result.immediate = { status: im.status?.code ?? 0, headers: Object.fromEntries((im.headers?.setHeaders ?? []).map((h) => [h.header?.key ?? '', h.header?.rawValue.toString() ?? ''])), body: im.body.toString() };
      call.end();
      return result;
    }
    if (first.response.$case !== 'requestHeaders') throw new Error(`expected the request headers' answer first, got ${first.response.$case}`);
    for (const h of first.response.value.response?.headerMutation?.setHeaders ?? []) result.setHeaders[(h.header?.key ?? '').toLowerCase()] = h.header?.rawValue.length ? h.header.rawValue.toString() : (h.header?.value ?? '');
    result.lbMetadata = first.dynamicMetadata?.['envoy.lb'] as Record<string, unknown> | undefined;
    const pieces: Buffer[] = [];
    if (body) {
      for (;;) {
        const m = await inbox.next();
        // With trailers, the body's last piece does not end the stream: their answer follows it.
        if (req.trailers && m?.response?.$case === 'requestTrailers') {
          result.trailersAnswered = true;
          break;
        }
        if (m?.response?.$case !== 'requestBody') throw new Error(`expected a request body piece, got ${m?.response?.$case}`);
        const mutation = m.response.value.response?.bodyMutation?.mutation;
        if (mutation?.$case !== 'streamedResponse') throw new Error('a body answered without streamed_response in FULL_DUPLEX_STREAMED mode');
        if (req.trailers && mutation.value.endOfStream) throw new Error('the body ended the stream although trailers follow');
        pieces.push(mutation.value.body);
        result.forwardedPieces.push(mutation.value.body.length);
        if (mutation.value.endOfStream) break;
      }
    }
    result.forwardedBody = Buffer.concat(pieces);
    if (req.routeOnly) {
      call.cancel();
      return result;
    }
    // Envoy's ORIGINAL_DST cluster: the first endpoint of the header.
    const listed = result.setHeaders['x-gateway-destination-endpoint'].split(',');
    const destination = req.serveAt ? req.serveAt(listed) : listed[0];
    const upstreamHeaders: Record<string, string> = { 'content-type': 'application/json', ...req.headers, ...Object.fromEntries(Object.entries(result.setHeaders).filter(([k]) => !k.startsWith(':'))) };
    delete upstreamHeaders['content-length'];
    const res = await fetch(`http://${destination}${req.path}`, { method: req.method ?? (body ? 'POST' : 'GET'), headers: upstreamHeaders, body: body ? result.forwardedBody : undefined });
    result.status = res.status;
    const served = { filterMetadata: { 'envoy.lb': { 'x-gateway-destination-endpoint-served': destination } }, typedFilterMetadata: {} };
    call.write(processingRequest({ $case: 'responseHeaders', value: { headers: { headers: [header(':status', String(res.status)), header('content-type', res.headers.get('content-type') ?? '')] }, attributes: {}, endOfStream: false } }, served));
    const answered = await inbox.next();
    if (answered?.response?.$case !== 'responseHeaders') throw new Error(`expected the response headers' answer, got ${answered?.response?.$case}`);
    await req.whileStreaming?.();
    const out: Buffer[] = [];
    const reader = res.body?.getReader();
    let reads = 0;
    for (;;) {
      const { done, value } = reader ? await reader.read() : { done: true, value: undefined };
      if (req.abortAfterChunks !== undefined && reads >= req.abortAfterChunks) {
        await reader?.cancel();
        call.cancel();
        result.responseBody = Buffer.concat(out).toString();
        return result;
      }
      const chunk = done ? Buffer.alloc(0) : Buffer.from(value);
      reads++;
      call.write(processingRequest({ $case: 'responseBody', value: { body: chunk, endOfStream: done, endOfStreamWithoutMessage: false, grpcMessageCompressed: false, drainComplete: false } }));
      for (let got = 0; ; ) {
        const m = await inbox.next();
        const mutation = m?.response?.$case === 'responseBody' ? m.response.value.response?.bodyMutation?.mutation : undefined;
        if (mutation?.$case !== 'streamedResponse') throw new Error(`expected a response body piece, got ${m?.response?.$case}`);
        out.push(mutation.value.body);
        got += mutation.value.body.length;
        if (got >= chunk.length && (!done || mutation.value.endOfStream)) break;
      }
      if (done) break;
    }
    call.end();
    await new Promise<void>((resolve) => (inbox.ended ? resolve() : call.on('end', () => resolve())));
    result.responseBody = Buffer.concat(out).toString();
    return result;
  }
}
