// Why `llmd cluster` could not do what it was asked; each says what to do about it.
export type ClusterErrorCode =
  | 'LLMD_CLUSTER_MISSING_BINARY'
  | 'LLMD_CLUSTER_MISSING_NODE_AGENT'
  | 'LLMD_CLUSTER_PORT_IN_USE'
  | 'LLMD_CLUSTER_BAD_STATE'
  | 'LLMD_CLUSTER_START_FAILED'
  | 'LLMD_CLUSTER_NOT_FOUND';

export class ClusterError extends Error {
  constructor(
    readonly code: ClusterErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'ClusterError';
  }
}
