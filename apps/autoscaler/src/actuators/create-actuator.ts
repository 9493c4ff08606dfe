// The actuator the config names. 'kubernetes' without any cluster credentials gives none (the caller
// reports it unready): an autoscaler told to scale a cluster it cannot reach is not doing its job.
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { KubeConfig } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import { loadKubeConfig } from '@llmd/controller-kit';
import type { AutoscalerConfig } from '../config';
import { Actuator, NoneActuator } from './actuator';
import { KubernetesActuator } from './kubernetes.actuator';
import { LocalActuator } from './local.actuator';

/** True when some cluster credentials exist: a configured kubeconfig, $KUBECONFIG, ~/.kube/config, or a service account. */
export function clusterConfigured(config: AutoscalerConfig): boolean {
  return Boolean(config.kubernetes.kubeconfig || process.env.KUBECONFIG || existsSync(join(homedir(), '.kube', 'config')) || process.env.KUBERNETES_SERVICE_HOST);
}

export function createActuator(config: AutoscalerConfig, logger: Logger): { actuator: Actuator; kc?: KubeConfig } | { missing: string } {
  switch (config.actuator) {
    case 'none':
      return { actuator: new NoneActuator() };
    case 'local':
      return { actuator: new LocalActuator(config.local.url) };
    case 'kubernetes': {
      if (!clusterConfigured(config)) return { missing: 'no kubeconfig, ~/.kube/config or in-cluster service account' };
      let kc: KubeConfig;
      try {
        kc = loadKubeConfig(config.kubernetes.kubeconfig);
      } catch (err) {
        return { missing: `cannot load the kubeconfig: ${(err as Error).message}` };
      }
      return { actuator: new KubernetesActuator({ kc, namespace: config.kubernetes.namespace, logger }), kc };
    }
  }
}
