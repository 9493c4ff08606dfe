// The OpenAI-compatible routes, and /health on the same port. Transport only: the work is in CompletionProxy.
import { Controller, Get, Inject, Post, Req, Res } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ApiError } from '@llmd/openai';
import { CompletionProxy } from '../proxy/completion-proxy';
import { canServe } from '../routing/fail-open';
import { SchedulerClient } from '../scheduler/scheduler-client';
import { TenantRegistry } from '../tenants/tenant-registry';

@Controller()
export class OpenAIController {
  private readonly created = Math.floor(Date.now() / 1000);

  constructor(
    @Inject(CompletionProxy) private readonly proxy: CompletionProxy,
    @Inject(SchedulerClient) private readonly scheduler: SchedulerClient,
    @Inject(TenantRegistry) private readonly tenants: TenantRegistry | undefined,
  ) {}

  @Post('v1/chat/completions')
  chat(@Req() req: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    return this.proxy.handle('/v1/chat/completions', req.body, req, reply);
  }

  @Post('v1/completions')
  completions(@Req() req: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    return this.proxy.handle('/v1/completions', req.body, req, reply);
  }

  /** Passed through to a pod that serves the model (vLLM answers it when started for embeddings). */
  @Post('v1/embeddings')
  embeddings(@Req() req: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    return this.proxy.handle('/v1/embeddings', req.body, req, reply);
  }

  /** vLLM's /tokenize, on a pod that serves the model. */
  @Post('tokenize')
  tokenize(@Req() req: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    return this.proxy.handle('/tokenize', req.body, req, reply);
  }

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
