// The part of controller-runtime llmd needs, on @kubernetes/client-node: a de-duplicating rate-limited
// work queue, self-restarting informers, controllers, server-side apply, owner references, finalizers,
// conditions, leader election on a Lease, and controller-runtime's metrics.
export * from './clock';
export { KubeApiError, isNotFound, isConflict, isAlreadyExists, isGone } from './client/api-error';
export { loadKubeConfig } from './client/client-node';
export { getObject, deleteObject } from './client/objects';
export { kubeRequest } from './client/kube-request';
export type { KubeRequestOptions } from './client/kube-request';
export { apiVersionOf, collectionPath, objectPath, resourceFor, pathOf } from './client/resource-path';
export type { ResourceRef } from './client/resource-path';
export * from './queue/rate-limiter';
export * from './queue/work-queue';
export { Informer } from './informer/informer';
export type { InformerOptions, InformerEventType, InformerHandler } from './informer/informer';
export { kubeListWatch } from './informer/list-watch-source';
export type { ListWatchSource, KubeListWatchOptions, WatchEvent, WatchHandle } from './informer/list-watch-source';
export * from './controller/object-key';
export * from './controller/terminal-error';
export * from './controller/controller';
export * from './apply/apply';
export * from './ownership/owner-reference';
export * from './ownership/finalizers';
export * from './conditions/conditions';
export { LeaderElector } from './leader/leader-elector';
export type { LeaderElectorOptions } from './leader/leader-elector';
export { kubeLeaseLock, microTime } from './leader/lease-lock';
export type { LeaseLock, LeaderRecord } from './leader/lease-lock';
export { controllerMetrics, leaderStatusGauge } from './metrics/controller-metrics';
export type { ControllerMetrics, ReconcileOutcome } from './metrics/controller-metrics';
