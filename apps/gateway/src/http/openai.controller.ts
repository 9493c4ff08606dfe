// The API port's Fastify routes: /health and /v1/models. The completion routes (POST
// /v1/chat/completions, /v1/completions, /v1/embeddings, /tokenize) are served by CompletionProxy
// straight from the HTTP server (http/api-server.ts), off Fastify's per-request path.
import { Controller, Get, Inject, Req, Res } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ApiError } from '@llmd/openai';
import { canServe } from '../routing/fail-open';
import { SchedulerClient } from '../scheduler/scheduler-client';
import { TenantRegistry } from '../tenants/tenant-registry';

@Controller()
export class OpenAIController {
  private readonly created = Math.floor(Date.now() / 1000);

  constructor(
    @Inject(SchedulerClient) private readonly scheduler: SchedulerClient,
    @Inject(TenantRegistry) private readonly tenants: TenantRegistry | undefined,
  ) {}

  /**
   * The serving port's health, as vLLM and the Rust routers answer it (benchmark clients and load
   * balancers probe it): 200 with an empty body while a healthy endpoint can serve, else 503. No key needed,
   * as on vLLM.
   */
  @Get('health')
  health(@Res() reply: FastifyReply): void {
    if (canServe(this.scheduler.endpoints())) return void reply.code(200).send();
    const api = new ApiError('no_endpoint_available', 'No inference endpoint is available.');
    void reply.code(api.status).headers(api.headers).send(api.toBody());
  }

  /** Base models and LoRA adapters the fleet serves. */
  @Get('v1/models')
  models(@Req() req: FastifyRequest) {
    const tenant = this.tenants?.authenticate(req.headers.authorization);
    const data = new Map<string, { id: string; object: 'model'; created: number; owned_by: string; root: string; parent: string | null }>();
    for (const e of this.scheduler.endpoints()) {
      for (const m of e.models) if (!data.has(m)) data.set(m, { id: m, object: 'model', created: this.created, owned_by: 'llmd', root: m, parent: null });
      for (const a of e.loraAdapters) if (!data.has(a)) data.set(a, { id: a, object: 'model', created: this.created, owned_by: 'llmd', root: a, parent: e.models[0] ?? null });
    }
    const visible = [...data.values()].filter((m) => !tenant || tenant.models.length === 0 || tenant.models.includes(m.id));
    return { object: 'list', data: visible };
  }
}
