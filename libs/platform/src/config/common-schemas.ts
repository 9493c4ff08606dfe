// Config fragments every service shares, so each field is named and defaulted once.
import { z } from 'zod';

export const portSchema = z.coerce.number().int().min(0).max(65535);

export const logLevelSchema = z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']);

const booleanish = z.union([z.boolean(), z.enum(['true', 'false', '1', '0'])]).transform((v) => v === true || v === 'true' || v === '1');

const filePath = z.string().trim().min(1, 'must be a file path');

/**
 * GET /debug/<view> on the ops port (recent decisions: request ids, models, per-pod scores). Off by
 * default; on, it answers loopback callers only, or, with tokenFile, any caller that sends
 * `Authorization: Bearer <the file's token>`.
 */
export const opsDebugSchema = z.object({
  /** @default false */
  enabled: booleanish.default(false),
  /** A file holding the bearer token (a mounted Secret), read at start; absent: loopback callers only. */
  tokenFile: filePath.optional(),
});
export type OpsDebugConfig = z.infer<typeof opsDebugSchema>;

export const opsSchema = z.object({
  /** Port of /metrics, /healthz and /readyz (and /debug/*, when ops.debug.enabled). */
  port: portSchema,
  /** @default '127.0.0.1' */
  host: z.string().default('127.0.0.1'),
  /** The /debug/* views; absent: off. */
  debug: opsDebugSchema.optional(),
});

/**
 * A service's ops config with its own default port, so that setting one key of it from env (the host,
 * LLMD_<SERVICE>_DEBUG_ENABLED) keeps the others' defaults instead of leaving ops.port missing.
 */
export function opsSchemaFor(defaultPort: number) {
  return opsSchema.extend({ port: portSchema.default(defaultPort) }).default({ host: '127.0.0.1', port: defaultPort });
}

/**
 * TLS to the brokers. The files come from mounted Secrets (Strimzi: the cluster CA's `ca.crt` from
 * `<cluster>-cluster-ca-cert`, a KafkaUser's `user.crt`/`user.key`) and are read when the client is made.
 */
export const kafkaTlsSchema = z
  .object({
    /** @default false */
    enabled: booleanish.default(false),
    /** PEM CA bundle the brokers' certificates are checked against; absent: Node's built-in CAs. */
    caFile: filePath.optional(),
    /** PEM client certificate (mutual TLS); needs keyFile. */
    certFile: filePath.optional(),
    /** PEM private key of certFile. */
    keyFile: filePath.optional(),
    /** Name the brokers' certificates are checked for (SNI), when it is not the bootstrap host. */
    serverName: z.string().min(1).optional(),
    /** Refuse brokers whose certificate does not check out. Turn off only to debug. @default true */
    rejectUnauthorized: booleanish.default(true),
  })
  .superRefine((t, ctx) => {
    if ((t.certFile === undefined) !== (t.keyFile === undefined)) {
      const missing = t.certFile === undefined ? 'certFile' : 'keyFile';
      ctx.addIssue({ code: 'custom', path: [missing], message: 'certFile and keyFile go together (mutual TLS needs both)' });
    }
    const set = (['caFile', 'certFile', 'keyFile', 'serverName'] as const).filter((k) => t[k] !== undefined);
    // Files given with TLS off would silently connect in plaintext: refuse instead.
    if (!t.enabled && set.length > 0) ctx.addIssue({ code: 'custom', path: ['enabled'], message: `is false but ${set.join(', ')} ${set.length > 1 ? 'are' : 'is'} set: set enabled: true (or remove them)` });
  });

export const KAFKA_SASL_MECHANISMS = ['plain', 'scram-sha-256', 'scram-sha-512'] as const;

/**
 * SASL authentication. The password comes from passwordFile (Strimzi: a KafkaUser's Secret, key
 * `password`) or, for a Secret mapped to env, from `password` (env LLMD_KAFKA_SASL_PASSWORD): never
 * write it into a config file.
 */
export const kafkaSaslSchema = z
  .object({
    mechanism: z.enum(KAFKA_SASL_MECHANISMS, { error: () => `must be one of ${KAFKA_SASL_MECHANISMS.join(', ')}` }),
    username: z.string({ error: () => 'is required' }).min(1, 'is required'),
    /** File holding the password (trailing newline ignored). */
    passwordFile: filePath.optional(),
    /** The password itself: only through env LLMD_KAFKA_SASL_PASSWORD, from a Secret. */
    password: z.string().min(1).optional(),
  })
  .superRefine((s, ctx) => {
    if (s.passwordFile === undefined && s.password === undefined) ctx.addIssue({ code: 'custom', path: ['passwordFile'], message: 'is required (or env LLMD_KAFKA_SASL_PASSWORD)' });
    if (s.passwordFile !== undefined && s.password !== undefined) ctx.addIssue({ code: 'custom', path: ['password'], message: 'and passwordFile are both set: give one' });
  });

export type KafkaTlsConfig = z.infer<typeof kafkaTlsSchema>;
export type KafkaSaslConfig = z.infer<typeof kafkaSaslSchema>;

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
  /** TLS to the brokers; absent: plaintext. */
  tls: kafkaTlsSchema.optional(),
  /** SASL authentication; absent: none. */
  sasl: kafkaSaslSchema.optional(),
});

export type KafkaConfig = z.infer<typeof kafkaSchema>;

export const shutdownSchema = z.object({
  /** How long in-flight work may run after SIGTERM before the process exits anyway. @default 10000 */
  graceMs: z.coerce.number().int().nonnegative().default(10000),
});

export { booleanish };

/** Kafka's TLS and SASL settings from env (the password's own variable aside: the operator takes only a file). */
export const KAFKA_SECURITY_ENV: Readonly<Record<string, string>> = {
  LLMD_KAFKA_TLS_ENABLED: 'kafka.tls.enabled',
  LLMD_KAFKA_TLS_CA_FILE: 'kafka.tls.caFile',
  LLMD_KAFKA_TLS_CERT_FILE: 'kafka.tls.certFile',
  LLMD_KAFKA_TLS_KEY_FILE: 'kafka.tls.keyFile',
  LLMD_KAFKA_TLS_SERVER_NAME: 'kafka.tls.serverName',
  LLMD_KAFKA_TLS_REJECT_UNAUTHORIZED: 'kafka.tls.rejectUnauthorized',
  LLMD_KAFKA_SASL_MECHANISM: 'kafka.sasl.mechanism',
  LLMD_KAFKA_SASL_USERNAME: 'kafka.sasl.username',
  LLMD_KAFKA_SASL_PASSWORD_FILE: 'kafka.sasl.passwordFile',
};

/** The env vars of ops.debug: `<PREFIX>_DEBUG_ENABLED`, `<PREFIX>_DEBUG_TOKEN_FILE`. */
export function opsDebugEnvMap(prefix: string): Record<string, string> {
  return { [`${prefix}_DEBUG_ENABLED`]: 'ops.debug.enabled', [`${prefix}_DEBUG_TOKEN_FILE`]: 'ops.debug.tokenFile' };
}

/** Env var names shared by all services, mapped to the fragments above. */
export function commonEnvMap(prefix: string): Record<string, string> {
  return {
    [`${prefix}_OPS_PORT`]: 'ops.port',
    [`${prefix}_OPS_HOST`]: 'ops.host',
    ...opsDebugEnvMap(prefix),
    LLMD_LOG_LEVEL: 'logLevel',
    LLMD_KAFKA_BROKERS: 'kafka.brokers',
    LLMD_KAFKA_ENABLED: 'kafka.enabled',
    LLMD_KAFKA_BUFFER_SIZE: 'kafka.bufferSize',
    ...KAFKA_SECURITY_ENV,
    LLMD_KAFKA_SASL_PASSWORD: 'kafka.sasl.password',
    LLMD_SHUTDOWN_GRACE_MS: 'shutdown.graceMs',
  };
}
