// The operations port of a service: /metrics (Prometheus), /healthz (liveness), /readyz (readiness),
// and, when turned on, /debug/<view> for loopback callers or callers with the debug token.
import { createHash, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import Fastify, { FastifyInstance } from 'fastify';
import type { Registry } from 'prom-client';
import type { HealthChecks } from './health-checks';

export interface OpsServerOptions {
  host: string;
  port: number;
  /** What /metrics serves: a registry, or a view over several (a service's cluster of workers). */
  registry: Pick<Registry, 'metrics' | 'contentType'>;
  /** What /readyz reports. */
  health: Pick<HealthChecks, 'readiness'>;
  /** GET /debug/<name> answers the JSON of `debug.get(name)()`; looked up per request, so services add theirs after start. */
  debug?: Map<string, () => unknown>;
  /** Who may read /debug/*: absent or not enabled, nobody (404). */
  debugAccess?: { enabled: boolean; tokenFile?: string };
}

/** Whether a /debug request may be answered: 404 when off, 401 without the token, 403 from off the machine without one. */
export function debugAccessDecision(
  access: { enabled: boolean; tokenDigest?: Buffer } | undefined,
  request: { remoteAddress: string | undefined; authorization: string | undefined },
): { status: 200 } | { status: 401 | 403 | 404; error: string } {
  if (!access?.enabled) return { status: 404, error: 'the debug views are off (ops.debug.enabled)' };
  if (access.tokenDigest) {
    const m = request.authorization?.match(/^Bearer\s+(\S+)$/i);
    const given = createHash('sha256').update(m?.[1] ?? '').digest();
    return m && timingSafeEqual(given, access.tokenDigest) ? { status: 200 } : { status: 401, error: 'the debug views need "Authorization: Bearer <ops.debug.tokenFile\'s token>"' };
  }
  return isLoopback(request.remoteAddress) ? { status: 200 } : { status: 403, error: 'the debug views answer loopback callers only (set ops.debug.tokenFile to allow others)' };
}

function isLoopback(address: string | undefined): boolean {
  if (!address) return false;
  const v4 = address.startsWith('::ffff:') ? address.slice(7) : address;
  return v4.startsWith('127.') || address === '::1';
}

export class OpsServer {
  private readonly app: FastifyInstance;
  private debugAccess: { enabled: boolean; tokenDigest?: Buffer } | undefined;

  constructor(private readonly options: OpsServerOptions) {
    this.app = Fastify({ logger: false });
    this.app.get('/healthz', async () => ({ status: 'ok' }));
    this.app.get('/readyz', async (_req, reply) => {
      const report = await options.health.readiness();
      return reply.code(report.ready ? 200 : 503).send({ status: report.ready ? 'ready' : 'not ready', checks: report.checks });
    });
    this.app.get<{ Params: { name: string } }>('/debug/:name', async (req, reply) => {
      const decision = debugAccessDecision(this.debugAccess, { remoteAddress: req.socket.remoteAddress, authorization: req.headers.authorization });
      if (decision.status !== 200) return reply.code(decision.status).send({ error: decision.error });
      const view = options.debug?.get(req.params.name);
      return view ? reply.send(view()) : reply.code(404).send({ error: `no debug view ${req.params.name}` });
    });
    this.app.get('/metrics', async (_req, reply) => {
      const body = await options.registry.metrics();
      return reply.header('content-type', options.registry.contentType).send(body);
    });
  }

  /** Starts listening; returns the bound port (useful with port 0). */
  async start(): Promise<number> {
    const access = this.options.debugAccess;
    if (access?.enabled && access.tokenFile !== undefined) {
      let token: string;
      try {
        token = readFileSync(access.tokenFile, 'utf8').trim();
      } catch (err) {
        throw new Error(`invalid config: ops.debug.tokenFile: cannot read ${access.tokenFile} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
      }
      if (token.length < 16) throw new Error(`invalid config: ops.debug.tokenFile: the token in ${access.tokenFile} is shorter than 16 characters`);
      this.debugAccess = { enabled: true, tokenDigest: createHash('sha256').update(token).digest() };
    } else {
      this.debugAccess = access?.enabled ? { enabled: true } : undefined;
    }
    await this.app.listen({ host: this.options.host, port: this.options.port });
    const address = this.app.server.address();
    return typeof address === 'object' && address ? address.port : this.options.port;
  }

  async stop(): Promise<void> {
    await this.app.close();
  }
}
