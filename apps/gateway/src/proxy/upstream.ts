// One request to a vLLM pod over undici's dispatcher, with the body delivered to a callback: no
// Readable stream, no async iterator and no promise per chunk between the pod's socket and the
// client's. The response is held (paused) from its head until a consumer attaches, so no byte is
// read ahead of the consumer, and the consumer pauses it again while the client is slow.
import type { Dispatcher } from 'undici';

export interface UpstreamRequest {
  origin: string;
  path: string;
  headers: Record<string, string>;
  body: string;
  /** Longest wait for the response head, then between two body reads (undici's own timers). */
  idleTimeoutMs: number;
}

/** Receives the body of a response once attached: `data` for each read, then `end` or `error`, once. */
export interface BodySink {
  data(chunk: Buffer): void;
  end(): void;
  error(err: Error): void;
}

/** Undici's dispatch controller, as much of it as the call uses. */
interface Controller {
  pause(): void;
  resume(): void;
  abort(reason: Error): void;
}

/**
 * A dispatched request. `head` resolves with the status and headers, or rejects when the request
 * fails before them (a refused connection, a head timeout, an abort), which is when a caller may
 * still try another pod.
 */
export class UpstreamCall implements Dispatcher.DispatchHandler {
  statusCode = 0;
  headers: Record<string, string | string[] | undefined> = {};
  readonly head: Promise<void>;
  private resolveHead!: () => void;
  private rejectHead!: (err: Error) => void;
  private controller?: Controller;
  private sink?: BodySink;
  private started = false;
  private done = false;
  /** Set by abort() before undici started the request: applied as soon as it does. */
  private abortReason?: Error;
  /** What ended the body before a sink attached. */
  private early?: { err?: Error };

  constructor(dispatcher: Dispatcher, req: UpstreamRequest) {
    this.head = new Promise<void>((resolve, reject) => {
      this.resolveHead = resolve;
      this.rejectHead = reject;
    });
    dispatcher.dispatch({ origin: req.origin, path: req.path, method: 'POST', headers: req.headers, body: req.body, headersTimeout: req.idleTimeoutMs, bodyTimeout: req.idleTimeoutMs }, this);
  }

  /** Delivers the body to `sink` from now on (the response was paused since its head). */
  attach(sink: BodySink): void {
    this.sink = sink;
    if (this.early) {
      const { err } = this.early;
      this.early = undefined;
      if (err) sink.error(err);
      else sink.end();
      return;
    }
    this.controller?.resume();
  }

  /** Stop reading until resume(): the consumer's client is slow. */
  pause(): void {
    if (!this.done) this.controller?.pause();
  }

  resume(): void {
    if (!this.done) this.controller?.resume();
  }

  /** Ends the request (client gone, deadline): `head` rejects, or the sink's `error` gets `reason`. */
  abort(reason: Error): void {
    if (this.done) return;
    if (this.controller) this.controller.abort(reason);
    else this.abortReason = reason;
  }

  onRequestStart(controller: Controller): void {
    this.controller = controller;
    if (this.abortReason) controller.abort(this.abortReason);
  }

  onResponseStart(controller: Controller, statusCode: number, headers: Record<string, string | string[] | undefined>): void {
    // 1xx heads are informational; the response's own head follows.
    if (statusCode < 200) return;
    this.statusCode = statusCode;
    this.headers = headers;
    this.started = true;
    if (!this.sink) controller.pause();
    this.resolveHead();
  }

  onResponseData(_controller: Controller, chunk: Buffer): void {
    this.sink?.data(chunk);
  }

  onResponseEnd(): void {
    this.done = true;
    if (this.sink) this.sink.end();
    else this.early = {};
  }

  onResponseError(_controller: Controller, err: Error): void {
    if (this.done) return;
    this.done = true;
    if (!this.started) return this.rejectHead(err);
    if (this.sink) this.sink.error(err);
    else this.early = { err };
  }
}

/** Reads a whole body through `call`, at most `maxBytes` of it (past that, `tooLarge()` is thrown and the call aborted). */
export function readAll(call: UpstreamCall, maxBytes: number, tooLarge: () => Error): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let failed = false;
    call.attach({
      data(chunk) {
        if (failed) return;
        size += chunk.length;
        if (size > maxBytes) {
          failed = true;
          const err = tooLarge();
          call.abort(err);
          reject(err);
          return;
        }
        chunks.push(chunk);
      },
      end: () => !failed && resolve(Buffer.concat(chunks, size).toString('utf8')),
      error: (err) => !failed && reject(err),
    });
  });
}
