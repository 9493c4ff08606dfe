// Generated protobuf and gRPC code for llmd's wire contracts, one namespace per proto package.
// Everything under ./gen comes from `npm run proto:gen` (buf + ts-proto) and is never edited by hand.
export * as schedulerv1 from './gen/llmd/scheduler/v1/scheduler';
export * as cachev1 from './gen/llmd/cache/v1/cache';
export * as telemetryv1 from './gen/llmd/telemetry/v1/telemetry';
