// Structured JSON logs (pino) for every service, with the OpenTelemetry trace id when a span is active.
import { trace } from '@opentelemetry/api';
import pino, { Logger } from 'pino';

export type { Logger } from 'pino';

export function createLogger(service: string, level = 'info'): Logger {
  return pino({
    name: service,
    level,
    base: { service },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
    // Never log credentials or request content, whatever a caller passes in (no code logs them: this
    // is the net under a mistake).
    redact: { paths: ['authorization', 'headers.authorization', '*.authorization', 'apiKey', '*.apiKey', 'password', '*.password', 'token', '*.token', 'body', '*.body', 'prompt', 'messages'], censor: '[redacted]' },
    mixin() {
      const span = trace.getActiveSpan();
      if (!span) return {};
      const ctx = span.spanContext();
      return { trace_id: ctx.traceId, span_id: ctx.spanId };
    },
  });
}
