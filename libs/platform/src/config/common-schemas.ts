// Config fragments every service shares, so each field is named and defaulted once.
import { z } from 'zod';

export const portSchema = z.coerce.number().int().min(0).max(65535);

export const logLevelSchema = z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']);

const booleanish = z.union([z.boolean(), z.enum(['true', 'false', '1', '0'])]).transform((v) => v === true || v === 'true' || v === '1');

export const opsSchema = z.object({
  /** Port of /metrics, /healthz and /readyz. */
  port: portSchema,
  /** @default '127.0.0.1' */
  host: z.string().default('127.0.0.1'),
});

export const kafkaSchema = z.object({
  /** Bootstrap brokers, comma-separated in env. @default ['127.0.0.1:9092'] */
  brokers: z
    .union([z.string(), z.array(z.string())])
    .transform((v) => (Array.isArray(v) ? v : v.split(',').map((s) => s.trim()).filter(Boolean)))
    .pipe(z.array(z.string().regex(/^[^:\s]+:\d+$/, 'expected host:port')).min(1))
    .default(['127.0.0.1:9092']),
  /** @default true */
  enabled: booleanish.default(true),
  /** Telemetry records buffered while Kafka is unreachable; older ones are dropped (and counted) past this. @default 10000 */
  bufferSize: z.coerce.number().int().positive().default(10000),
});

export const shutdownSchema = z.object({
  /** How long in-flight work may run after SIGTERM before the process exits anyway. @default 10000 */
  graceMs: z.coerce.number().int().nonnegative().default(10000),
});

export { booleanish };

/** Env var names shared by all services, mapped to the fragments above. */
export function commonEnvMap(prefix: string): Record<string, string> {
  return {
    [`${prefix}_OPS_PORT`]: 'ops.port',
    [`${prefix}_OPS_HOST`]: 'ops.host',
    LLMD_LOG_LEVEL: 'logLevel',
    LLMD_KAFKA_BROKERS: 'kafka.brokers',
    LLMD_KAFKA_ENABLED: 'kafka.enabled',
    LLMD_KAFKA_BUFFER_SIZE: 'kafka.bufferSize',
    LLMD_SHUTDOWN_GRACE_MS: 'shutdown.graceMs',
  };
}
