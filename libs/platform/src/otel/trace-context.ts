// W3C trace context across llmd's hops: HTTP headers (traceparent) and gRPC metadata.
import { context, Context, propagation, trace, TextMapGetter, TextMapSetter } from '@opentelemetry/api';

type Carrier = Record<string, string | string[] | undefined>;

const headerGetter: TextMapGetter<Carrier> = {
  keys: (c) => Object.keys(c),
  get: (c, k) => c[k.toLowerCase()],
};
const headerSetter: TextMapSetter<Record<string, string>> = {
  set: (c, k, v) => {
    c[k] = v;
  },
};

/** The context carried by incoming HTTP headers (or the active one when none). */
export function extractFromHeaders(headers: Carrier, base: Context = context.active()): Context {
  return propagation.extract(base, headers, headerGetter);
}

/** Adds traceparent/tracestate for `ctx` to outgoing HTTP headers. */
export function injectIntoHeaders(headers: Record<string, string>, ctx: Context = context.active()): Record<string, string> {
  propagation.inject(ctx, headers, headerSetter);
  return headers;
}

/** The trace id of the span in `ctx`, or '' when there is none. */
export function traceIdOf(ctx: Context = context.active()): string {
  const span = trace.getSpan(ctx);
  const id = span?.spanContext().traceId ?? '';
  return /^0+$/.test(id) ? '' : id;
}
