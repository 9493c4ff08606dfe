// Names and ports of the services an InferenceGateway renders, shared by the LLMDeployment render
// (the InferencePool's endpoint picker) and the gateway's.
export const SCHEDULER_GRPC_PORT = 9002;
/** The scheduler's endpoint-picker port for Envoy-based gateways (ext_proc): what the InferencePool names. */
export const SCHEDULER_EXT_PROC_PORT = 9004;
export const CACHE_MANAGER_GRPC_PORT = 9003;
export const GATEWAY_OPS_PORT = 9100;
export const SCHEDULER_OPS_PORT = 9102;
export const CACHE_MANAGER_OPS_PORT = 9103;

export function gatewayName(gateway: string): string {
  return `${gateway}-gateway`;
}
export function schedulerServiceName(gateway: string): string {
  return `${gateway}-scheduler`;
}
export function cacheManagerName(gateway: string): string {
  return `${gateway}-cache-manager`;
}
