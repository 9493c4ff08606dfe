// Loads @kubernetes/client-node (ESM-only) from CommonJS, and a KubeConfig the usual way.
import { EventEmitter } from 'node:events';
import type { KubeConfig } from '@kubernetes/client-node';

export type ClientNode = typeof import('@kubernetes/client-node');

let loaded: ClientNode | undefined;

/**
 * The client module. Plain Node (20.19+) loads it through require(esm). Jest's own module registry
 * cannot (before Node 24.9), so there we reach Node's loader through a function of the host realm:
 * the tests then run the same client code as production. (Loaded that way, the client reads the test
 * runner's process.env, not the one a test may change.)
 */
export function clientNode(): ClientNode {
  if (loaded) return loaded;
  try {
    loaded = require('@kubernetes/client-node') as ClientNode;
  } catch {
    const HostFunction = (EventEmitter as unknown as { constructor: FunctionConstructor }).constructor;
    const hostModule = new HostFunction('return process.getBuiltinModule("node:module")')() as typeof import('node:module');
    loaded = hostModule.createRequire(__filename)('@kubernetes/client-node') as ClientNode;
  }
  return loaded;
}

/** A kubeconfig file when given; else $KUBECONFIG, ~/.kube/config, then the in-cluster service account. */
export function loadKubeConfig(path?: string): KubeConfig {
  const kc = new (clientNode().KubeConfig)();
  if (path) kc.loadFromFile(path);
  else kc.loadFromDefault();
  if (!kc.getCurrentCluster()) throw new Error(path ? `kubeconfig ${path} has no current cluster` : 'no kubeconfig found ($KUBECONFIG, ~/.kube/config, in-cluster)');
  return kc;
}
