// The gateway's configuration: env vars (LLMD_GATEWAY_*) over an optional YAML file (LLMD_CONFIG).
import { z } from 'zod';
import { tenantKeySchema } from './tenants/tenant-registry';
import { booleanish, clientTlsEnv, clientTlsSchema, commonEnvMap, kafkaSchema, logLevelSchema, opsSchemaFor, portSchema, serverTlsEnv, serverTlsSchema, shutdownSchema } from '@llmd/platform';

export const gatewayConfigSchema = z.object({
  logLevel: logLevelSchema.default('info'),
  http: z
    .object({
      host: z.string().default('127.0.0.1'),
      port: portSchema.default(8000),
      /** HTTPS on the API port (optionally requiring client certificates); absent: plaintext HTTP. */
      tls: serverTlsSchema.optional(),
    })
    .default({ host: '127.0.0.1', port: 8000 }),
  /**
   * Processes serving the API port (Node's cluster), each with its own scheduler streams, so one pod
   * uses several cores; `auto`: one per CPU the container may use (its CPU limit, rounded up). @default 1
   */
  workers: z.union([z.literal('auto'), z.coerce.number().int().min(1).max(256)]).default(1),
  ops: opsSchemaFor(9100),
  kafka: kafkaSchema.default({ brokers: ['127.0.0.1:9092'], enabled: true, bufferSize: 10000 }),
  shutdown: shutdownSchema.default({ graceMs: 30000 }),
  scheduler: z
    .object({
      /** host:port of Scheduler gRPC. @default '127.0.0.1:9002' */
      address: z.string().regex(/^[^:\s]+:\d+$/, 'expected host:port').default('127.0.0.1:9002'),
      /** Deadline of one Pick; past it the gateway picks on its own. @default 250 */
      pickTimeoutMs: z.coerce.number().int().min(1).default(250),
      /** How often the endpoint snapshot (the fail-open view) is refreshed. @default 1000 */
      refreshIntervalMs: z.coerce.number().int().min(50).default(1000),
      /** `stream`: Picks multiplexed over long-lived PickStream calls (the fast path); `unary`: one Pick call each. @default 'stream' */
      transport: z.enum(['stream', 'unary']).default('stream'),
      /** PickStream calls kept open, used in turn (more spread the HTTP/2 flow-control windows). @default 4 */
      streams: z.coerce.number().int().min(1).max(64).default(4),
      /** TLS (or mutual TLS) to the scheduler; absent: plaintext. */
      tls: clientTlsSchema.optional(),
    })
    .default({ address: '127.0.0.1:9002', pickTimeoutMs: 250, refreshIntervalMs: 1000, transport: 'stream', streams: 4 }),
  upstream: z
    .object({
      /** Connection to a vLLM pod must open within this. @default 2000 */
      connectTimeoutMs: z.coerce.number().int().min(1).default(2000),
      /** A request that has not finished after this is ended with 504 (or an SSE error once streaming). @default 600000 */
      timeoutMs: z.coerce.number().int().min(1).default(600000),
      /** Further endpoints tried when a connection fails before the first byte. @default 2 */
      retries: z.coerce.number().int().min(0).max(5).default(2),
      /** A non-streamed answer (or an error body) larger than this ends the request with 502; streams are bounded per SSE line instead. @default 67108864 */
      maxResponseBytes: z.coerce.number().int().min(1024).default(64 * 1024 * 1024),
    })
    .default({ connectTimeoutMs: 2000, timeoutMs: 600000, retries: 2, maxResponseBytes: 64 * 1024 * 1024 }),
  /** API keys and tenants. Off for local use (`tools/llmd up` says so). */
  auth: z
    .object({
      /** @default false */
      enabled: booleanish.default(false),
      /** Tenant keys (a key in clear is hashed at load). */
      keys: z.array(tenantKeySchema).default([]),
      /** A mounted file (e.g. a Kubernetes Secret) with more tenant keys, YAML or JSON. */
      keysFile: z.string().min(1).optional(),
      /** How often the key file is re-read (a rotated Secret applies without a restart); 0 reads it once. @default 10000 */
      keysFileReloadMs: z.coerce.number().int().min(0).default(10000),
    })
    .refine((a) => !a.enabled || a.keys.length > 0 || a.keysFile !== undefined, { message: 'auth is enabled but no keys or keysFile are configured', path: ['keys'] })
    .default({ enabled: false, keys: [], keysFileReloadMs: 10000 }),
  limits: z
    .object({
      /** Largest accepted request body. @default 16777216 (16 MiB) */
      bodyBytes: z.coerce.number().int().min(1024).default(16 * 1024 * 1024),
      /**
       * Longest accepted prompt, in tokens: exact for token-id prompts, estimated at 4 characters a
       * token for text and chat (no tokenizer on the gateway's path). The pod still enforces its own
       * context length. @default 1048576
       */
      promptTokens: z.coerce.number().int().min(1).default(1024 * 1024),
      /** Largest accepted request head (request line and headers); past it: 431, before any parsing. @default 16384 (Node's) */
      headerBytes: z.coerce.number().int().min(1024).max(1024 * 1024).default(16 * 1024),
      /** A client must have sent the whole request head within this of connecting (slowloris); past it: 408. @default 10000 */
      headersTimeoutMs: z.coerce.number().int().min(1).default(10000),
      /**
       * A client must have sent the whole request, head and body, within this (a slowly dripped body);
       * past it: 408. The answer (a long stream) is not bounded by it: upstream.timeoutMs is. @default 60000
       */
      requestTimeoutMs: z.coerce.number().int().min(1).default(60000),
      /** An idle keep-alive connection is closed after this. @default 72000 (above common load balancers' 60 s) */
      keepAliveTimeoutMs: z.coerce.number().int().min(1).default(72000),
    })
    .refine((l) => l.headersTimeoutMs <= l.requestTimeoutMs, { message: 'must not be above requestTimeoutMs', path: ['headersTimeoutMs'] })
    .default({ bodyBytes: 16 * 1024 * 1024, promptTokens: 1024 * 1024, headerBytes: 16 * 1024, headersTimeoutMs: 10000, requestTimeoutMs: 60000, keepAliveTimeoutMs: 72000 }),
});

export type GatewayConfig = z.infer<typeof gatewayConfigSchema>;

export const GATEWAY_ENV: Record<string, string> = {
  ...commonEnvMap('LLMD_GATEWAY'),
  LLMD_GATEWAY_HOST: 'http.host',
  LLMD_GATEWAY_PORT: 'http.port',
  LLMD_GATEWAY_WORKERS: 'workers',
  LLMD_GATEWAY_SCHEDULER_ADDRESS: 'scheduler.address',
  LLMD_GATEWAY_PICK_TIMEOUT_MS: 'scheduler.pickTimeoutMs',
  LLMD_GATEWAY_PICK_TRANSPORT: 'scheduler.transport',
  LLMD_GATEWAY_REFRESH_INTERVAL_MS: 'scheduler.refreshIntervalMs',
  LLMD_GATEWAY_UPSTREAM_TIMEOUT_MS: 'upstream.timeoutMs',
  LLMD_GATEWAY_UPSTREAM_CONNECT_TIMEOUT_MS: 'upstream.connectTimeoutMs',
  LLMD_GATEWAY_UPSTREAM_RETRIES: 'upstream.retries',
  LLMD_GATEWAY_UPSTREAM_MAX_RESPONSE_BYTES: 'upstream.maxResponseBytes',
  LLMD_GATEWAY_BODY_LIMIT_BYTES: 'limits.bodyBytes',
  LLMD_GATEWAY_PROMPT_LIMIT_TOKENS: 'limits.promptTokens',
  LLMD_GATEWAY_HEADER_LIMIT_BYTES: 'limits.headerBytes',
  LLMD_GATEWAY_HEADERS_TIMEOUT_MS: 'limits.headersTimeoutMs',
  LLMD_GATEWAY_REQUEST_TIMEOUT_MS: 'limits.requestTimeoutMs',
  LLMD_GATEWAY_KEEP_ALIVE_TIMEOUT_MS: 'limits.keepAliveTimeoutMs',
  LLMD_GATEWAY_AUTH_ENABLED: 'auth.enabled',
  LLMD_GATEWAY_API_KEYS: 'auth.keys',
  LLMD_GATEWAY_API_KEYS_FILE: 'auth.keysFile',
  LLMD_GATEWAY_API_KEYS_FILE_RELOAD_MS: 'auth.keysFileReloadMs',
  ...serverTlsEnv('LLMD_GATEWAY', 'http.tls'),
  ...clientTlsEnv('LLMD_GATEWAY_SCHEDULER', 'scheduler.tls'),
};

export const GATEWAY_CONFIG = Symbol('GATEWAY_CONFIG');
