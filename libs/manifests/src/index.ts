// libs/manifests: pure functions from parsed llm-d.io objects (and what the operator observed) to the
// Kubernetes objects it applies and the statuses it writes. No I/O.
export * from './types';
export * from './parse';
export * from './meta';
export * from './names';
export * from './quantity';
export * from './selector';
export * from './conditions';
export * from './pool-plan';
export * from './model-source';
export * from './vllm-args';
export * from './model-server-pod';
export * from './llm-deployment.render';
export * from './serving-pool.render';
export * from './status';
export * from './scheduling-policy';
export * from './service-configs';
export * from './inference-gateway.render';
