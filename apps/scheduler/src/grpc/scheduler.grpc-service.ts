// The Scheduler gRPC service (Pick, PickStream, Complete, ListEndpoints): transport only, decisions in
// PickService. Pick and PickStream share one handler; they differ in where the deadline and trace
// context come from (the call, or each stream message).
import { sendUnaryData, ServerDuplexStream, ServerUnaryCall, status } from '@grpc/grpc-js';
import { Context, context, SpanStatusCode, trace } from '@opentelemetry/api';
import { schedulerv1 } from '@llmd/proto';
import { contextFromMetadata, extractFromHeaders } from '@llmd/platform';
import type { Endpoint, PickPromptSpec } from '@llmd/scoring';
import type { Logger } from 'pino';
import type { FlowController } from '../flow/flow-controller';
import type { PickService } from '../scheduling/pick.service';
import { endpointStateToProto, endpointToProto, requestFromProto } from './proto-mapping';

const tracer = trace.getTracer('llmd-scheduler');

export type PickResult = { ok: schedulerv1.PickResponse } | { code: status; details: string };

/** One Pick: admission (flow control), then the scheduling cycle. Never rejects. */
export function handlePick(picks: PickService, flow: FlowController, logger: Logger, pick: schedulerv1.PickRequest, parent: Context, deadline: Date | undefined, eligible?: (e: Endpoint) => boolean): Promise<PickResult> {
  return tracer.startActiveSpan('Scheduler.Pick', { attributes: { 'llmd.model': pick.model, 'llmd.request_id': pick.requestId } }, parent, async (span) => {
    try {
      if (!pick.requestId || !pick.model) return { code: status.INVALID_ARGUMENT, details: 'request_id and model are required' };
      const request = requestFromProto(pick);
      const admission = await flow.admit(flow.priorityOf(pick.objective || undefined, request.priority), pick.fairnessId || pick.tenant || 'default', deadline);
      if (!admission.admitted) {
        span.setAttribute('llmd.dropped_reason', admission.reason);
        logger.info({ request_id: request.requestId, reason: admission.reason }, 'request not admitted');
        return { ok: { target: undefined, prefill: undefined, fallbacks: [], profile: '', breakdown: [], droppedReason: admission.reason } };
      }
      const outcome = await picks.pick(request, eligible);
      span.setAttribute('llmd.target', outcome.target?.id ?? '');
      logger.info({ request_id: pick.requestId, model: pick.model, target: outcome.target?.id, prefill: outcome.prefill?.id, profile: outcome.profile }, 'pick');
      return {
        ok: {
          target: outcome.target && endpointToProto(outcome.target),
          prefill: outcome.prefill && endpointToProto(outcome.prefill),
          fallbacks: outcome.fallbacks.map(endpointToProto),
          profile: outcome.profile,
          breakdown: outcome.breakdown,
          droppedReason: '',
        },
      };
    } catch (err) {
      span.setStatus({ code: SpanStatusCode.ERROR, message: (err as Error).message });
      logger.error({ err: (err as Error).message, request_id: pick.requestId }, 'pick failed');
      return { code: status.INTERNAL, details: (err as Error).message };
    } finally {
      span.end();
    }
  });
}

/**
 * The service. `digestSpec` (from the scheduling config) is published with ListEndpoints: callers
 * digest prompts with it and may leave the text out of a Pick.
 */
export function schedulerGrpcImplementation(picks: PickService, flow: FlowController, logger: Logger, digestSpec?: PickPromptSpec): schedulerv1.SchedulerServer {
  return {
    pick(call: ServerUnaryCall<schedulerv1.PickRequest, schedulerv1.PickResponse>, callback: sendUnaryData<schedulerv1.PickResponse>) {
      const deadline = call.getDeadline();
      void handlePick(picks, flow, logger, call.request, contextFromMetadata(call.metadata, context.active()), deadline instanceof Date ? deadline : undefined).then((r) =>
        'ok' in r ? callback(null, r.ok) : callback({ code: r.code, details: r.details }),
      );
    },
    pickStream(call: ServerDuplexStream<schedulerv1.PickStreamRequest, schedulerv1.PickStreamResponse>) {
      let open = true;
      let ended = false;
      let pending = 0;
      // The caller half-closed: answer what is pending, then close.
      const closeWhenDone = () => {
        if (open && ended && pending === 0) {
          open = false;
          call.end();
        }
      };
      call.on('data', (message: schedulerv1.PickStreamRequest) => {
        for (const id of message.firstToken) picks.firstToken(id);
        if (message.completed.length > 0) {
          for (const id of message.completed) picks.complete(id);
          flow.dispatch();
        }
        if (!message.pick) return; // completions only: nothing to answer
        const pick = message.pick;
        const deadline = message.timeoutMs > 0 ? new Date(Date.now() + message.timeoutMs) : undefined;
        pending++;
        void handlePick(picks, flow, logger, pick, extractFromHeaders(message.traceContext, context.active()), deadline).then((r) => {
          pending--;
          if (!open) return; // the caller went away; nothing to answer
          call.write('ok' in r ? { requestId: pick.requestId, pick: r.ok, errorCode: 0, error: '' } : { requestId: pick.requestId, pick: undefined, errorCode: r.code, error: r.details });
          closeWhenDone();
        });
      });
      call.on('end', () => {
        ended = true;
        closeWhenDone();
      });
      call.on('cancelled', () => (open = false));
      call.on('error', () => (open = false));
    },
    complete(call: ServerUnaryCall<schedulerv1.CompleteRequest, schedulerv1.CompleteResponse>, callback: sendUnaryData<schedulerv1.CompleteResponse>) {
      if (call.request.firstToken) return callback(null, { known: picks.firstToken(call.request.requestId) });
      callback(null, { known: picks.complete(call.request.requestId) });
      flow.dispatch();
    },
    listEndpoints(_call: ServerUnaryCall<schedulerv1.ListEndpointsRequest, schedulerv1.ListEndpointsResponse>, callback: sendUnaryData<schedulerv1.ListEndpointsResponse>) {
      callback(null, { endpoints: picks.endpoints().map(endpointStateToProto), promptDigestSpec: digestSpec });
    },
  };
}
