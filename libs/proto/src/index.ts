// Generated protobuf and gRPC code for llmd's wire contracts, one namespace per proto package.
// Everything under ./gen comes from `npm run proto:gen` (buf + ts-proto) and is never edited by hand.
export * as schedulerv1 from './gen/llmd/scheduler/v1/scheduler';
export * as cachev1 from './gen/llmd/cache/v1/cache';
export * as telemetryv1 from './gen/llmd/telemetry/v1/telemetry';
// Envoy's ext_proc service and gRPC's health service, from tools/envoy-protos (`npm run proto:gen`).
export * as extprocv3 from './gen/external/envoy/service/ext_proc/v3/external_processor';
export * as envoycorev3 from './gen/external/envoy/config/core/v3/base';
export * as envoytypev3 from './gen/external/envoy/type/v3/http_status';
export * as healthv1 from './gen/external/grpc/health/v1/health';
