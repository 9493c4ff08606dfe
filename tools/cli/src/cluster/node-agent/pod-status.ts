// The status the node agent reports for a pod: phase, IPs, conditions and one status per container,
// shaped as the kubelet writes them (kubectl, controllers and llmd's own discovery read these fields).
import type { V1ContainerStatus, V1Pod, V1PodCondition, V1PodStatus } from '@kubernetes/client-node';

export type ContainerState =
  | { kind: 'waiting'; reason: string; message?: string }
  | { kind: 'running'; startedAt: string }
  | { kind: 'terminated'; exitCode: number; reason: string; startedAt?: string; finishedAt: string };

export interface ContainerView {
  name: string;
  image: string;
  state: ContainerState;
  /** The last termination, kept while it restarts (kubectl shows it as Last State). */
  lastTerminated?: Extract<ContainerState, { kind: 'terminated' }>;
  ready: boolean;
  started: boolean;
  restartCount: number;
  containerID?: string;
}

export interface PodView {
  phase: 'Pending' | 'Running' | 'Succeeded' | 'Failed';
  podIP?: string;
  hostIP: string;
  startTime: string;
  containers: ContainerView[];
  /** Why the pod cannot run (PodScheduled stays true; this goes on the Ready condition). */
  reason?: string;
  message?: string;
}

function state(s: ContainerState): NonNullable<V1ContainerStatus['state']> {
  if (s.kind === 'waiting') return { waiting: { reason: s.reason, message: s.message } };
  if (s.kind === 'running') return { running: { startedAt: s.startedAt as unknown as Date } };
  return { terminated: { exitCode: s.exitCode, reason: s.reason, startedAt: s.startedAt as unknown as Date, finishedAt: s.finishedAt as unknown as Date } };
}

function condition(type: string, ok: boolean, previous: V1PodCondition[], now: string, reason?: string, message?: string): V1PodCondition {
  const before = previous.find((c) => c.type === type);
  const status = ok ? 'True' : 'False';
  const lastTransitionTime = (before && before.status === status ? before.lastTransitionTime : now) as unknown as Date;
  return { type, status, lastTransitionTime, ...(ok ? {} : { reason: reason ?? 'ContainersNotReady', message }) } as V1PodCondition;
}

/** The status object to write, keeping transition times of conditions that did not change. */
export function podStatus(pod: V1Pod, view: PodView, now: string): V1PodStatus {
  const previous = pod.status?.conditions ?? [];
  const allReady = view.containers.length > 0 && view.containers.every((c) => c.ready);
  const notReady = view.containers.filter((c) => !c.ready).map((c) => c.name);
  const message = view.message ?? (notReady.length ? `containers with unready status: [${notReady.join(' ')}]` : undefined);
  return {
    phase: view.phase,
    hostIP: view.hostIP,
    hostIPs: [{ ip: view.hostIP }],
    ...(view.podIP ? { podIP: view.podIP, podIPs: [{ ip: view.podIP }] } : {}),
    startTime: view.startTime as unknown as Date,
    conditions: [
      condition('PodReadyToStartContainers', view.podIP !== undefined, previous, now),
      condition('Initialized', true, previous, now),
      condition('Ready', allReady, previous, now, view.reason, message),
      condition('ContainersReady', allReady, previous, now, view.reason, message),
      condition('PodScheduled', true, previous, now),
    ],
    containerStatuses: view.containers.map((c) => ({
      name: c.name,
      image: c.image,
      imageID: '',
      ready: c.ready,
      started: c.started,
      restartCount: c.restartCount,
      state: state(c.state),
      ...(c.lastTerminated ? { lastState: state(c.lastTerminated) } : {}),
      ...(c.containerID ? { containerID: c.containerID } : {}),
    })),
    qosClass: pod.status?.qosClass,
  };
}
