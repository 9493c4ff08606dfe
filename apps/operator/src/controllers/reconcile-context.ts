// What every reconciler gets: the cached state, the writer, the render context of the operator's
// config, a clock and a logger.
import type { Logger } from 'pino';
import type { RenderContext } from '@llmd/manifests';
import type { ClusterWriter } from '../kube/cluster';
import type { ObjectStore } from '../kube/object-store';

export interface ReconcileContext {
  store: ObjectStore;
  cluster: ClusterWriter;
  /** The render context for one namespace (images, Kafka, whether the InferencePool CRD is installed). */
  render(namespace: string): RenderContext;
  now(): Date;
  logger: Logger;
}

export const CLEANUP_FINALIZER = 'llm-d.io/cleanup';
