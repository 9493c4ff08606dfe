// The Scheduler gRPC service (Pick, Complete, ListEndpoints): transport only, decisions in PickService.
import { sendUnaryData, ServerUnaryCall, status } from '@grpc/grpc-js';
import { context, SpanStatusCode, trace } from '@opentelemetry/api';
import { schedulerv1 } from '@llmd/proto';
import { contextFromMetadata } from '@llmd/platform';
import type { Logger } from 'pino';
import type { FlowController } from '../flow/flow-controller';
import type { PickService } from '../scheduling/pick.service';
import { endpointStateToProto, endpointToProto, requestFromProto } from './proto-mapping';

const tracer = trace.getTracer('llmd-scheduler');

export function schedulerGrpcImplementation(picks: PickService, flow: FlowController, logger: Logger): schedulerv1.SchedulerServer {
  return {
    pick(call: ServerUnaryCall<schedulerv1.PickRequest, schedulerv1.PickResponse>, callback: sendUnaryData<schedulerv1.PickResponse>) {
      const parent = contextFromMetadata(call.metadata, context.active());
      tracer.startActiveSpan('Scheduler.Pick', { attributes: { 'llmd.model': call.request.model, 'llmd.request_id': call.request.requestId } }, parent, (span) => {
        if (!call.request.requestId || !call.request.model) {
          span.end();
          return callback({ code: status.INVALID_ARGUMENT, details: 'request_id and model are required' });
        }
        const request = requestFromProto(call.request);
        const deadline = call.getDeadline();
        flow
          .admit(flow.priorityOf(call.request.objective || undefined, request.priority), call.request.fairnessId || call.request.tenant || 'default', deadline instanceof Date ? deadline : undefined)
          .then(async (admission) => {
            if (!admission.admitted) {
              span.setAttribute('llmd.dropped_reason', admission.reason);
              span.end();
              logger.info({ request_id: request.requestId, reason: admission.reason }, 'request not admitted');
              return callback(null, { target: undefined, prefill: undefined, fallbacks: [], profile: '', breakdown: [], droppedReason: admission.reason });
            }
            const outcome = await picks.pick(request);
            span.setAttribute('llmd.target', outcome.target?.id ?? '');
            logger.info({ request_id: call.request.requestId, model: call.request.model, target: outcome.target?.id, prefill: outcome.prefill?.id, profile: outcome.profile }, 'pick');
            span.end();
            callback(null, {
              target: outcome.target && endpointToProto(outcome.target),
              prefill: outcome.prefill && endpointToProto(outcome.prefill),
              fallbacks: outcome.fallbacks.map(endpointToProto),
              profile: outcome.profile,
              breakdown: outcome.breakdown,
              droppedReason: '',
            });
          })
          .catch((err: Error) => {
            span.setStatus({ code: SpanStatusCode.ERROR, message: err.message });
            span.end();
            logger.error({ err: err.message, request_id: call.request.requestId }, 'pick failed');
            callback({ code: status.INTERNAL, details: err.message });
          });
      });
    },
    complete(call: ServerUnaryCall<schedulerv1.CompleteRequest, schedulerv1.CompleteResponse>, callback: sendUnaryData<schedulerv1.CompleteResponse>) {
      callback(null, { known: picks.complete(call.request.requestId) });
      flow.dispatch();
    },
    listEndpoints(_call: ServerUnaryCall<schedulerv1.ListEndpointsRequest, schedulerv1.ListEndpointsResponse>, callback: sendUnaryData<schedulerv1.ListEndpointsResponse>) {
      callback(null, { endpoints: picks.endpoints().map(endpointStateToProto) });
    },
  };
}
