// The operations port of a service: /metrics (Prometheus), /healthz (liveness), /readyz (readiness).
import Fastify, { FastifyInstance } from 'fastify';
import type { Registry } from 'prom-client';
import type { HealthChecks } from './health-checks';

export interface OpsServerOptions {
  host: string;
  port: number;
  registry: Registry;
  health: HealthChecks;
  /** GET /debug/<name> answers the JSON of `debug.get(name)()`; looked up per request, so services add theirs after start. */
  debug?: Map<string, () => unknown>;
}

export class OpsServer {
  private readonly app: FastifyInstance;

  constructor(private readonly options: OpsServerOptions) {
    this.app = Fastify({ logger: false });
    this.app.get('/healthz', async () => ({ status: 'ok' }));
    this.app.get('/readyz', async (_req, reply) => {
      const report = await options.health.readiness();
      return reply.code(report.ready ? 200 : 503).send({ status: report.ready ? 'ready' : 'not ready', checks: report.checks });
    });
    this.app.get<{ Params: { name: string } }>('/debug/:name', async (req, reply) => {
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
    await this.app.listen({ host: this.options.host, port: this.options.port });
    const address = this.app.server.address();
    return typeof address === 'object' && address ? address.port : this.options.port;
  }

  async stop(): Promise<void> {
    await this.app.close();
  }
}
