// W3C trace context in gRPC metadata, and deadlines, for llmd's gRPC hops.
import { Metadata } from '@grpc/grpc-js';
import { context, Context, propagation } from '@opentelemetry/api';

export function metadataWithTrace(ctx: Context = context.active()): Metadata {
  const md = new Metadata();
  propagation.inject(ctx, md, { set: (m, k, v) => m.set(k, v) });
  return md;
}

export function contextFromMetadata(md: Metadata, base: Context = context.active()): Context {
  return propagation.extract(base, md, {
    keys: (m) => Object.keys(m.getMap()),
    get: (m, k) => {
      const v = m.get(k);
      return v.length === 0 ? undefined : v.map(String);
    },
  });
}

export function deadlineIn(ms: number): Date {
  return new Date(Date.now() + ms);
}
