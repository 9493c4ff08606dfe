// A failed Kubernetes API request, with the HTTP status and the apiserver's Status reason.

export class KubeApiError extends Error {
  override readonly name = 'KubeApiError';
  constructor(
    readonly method: string,
    readonly path: string,
    /** HTTP status; 0 when no response came (connection refused, timeout). */
    readonly statusCode: number,
    /** The Status object's reason (NotFound, Conflict, AlreadyExists, Invalid, Expired, ...), when any. */
    readonly reason: string,
    message: string,
  ) {
    super(`${method} ${path}: ${statusCode || 'no response'} ${message}`);
  }
}

function statusOf(err: unknown): number | undefined {
  return err !== null && typeof err === 'object' && typeof (err as { statusCode?: unknown }).statusCode === 'number' ? (err as { statusCode: number }).statusCode : undefined;
}

export const isNotFound = (err: unknown): boolean => statusOf(err) === 404;
export const isConflict = (err: unknown): boolean => statusOf(err) === 409;
export const isAlreadyExists = (err: unknown): boolean => statusOf(err) === 409 && (err as KubeApiError).reason === 'AlreadyExists';
/** 410 Gone: the resourceVersion a watch started from is too old. */
export const isGone = (err: unknown): boolean => statusOf(err) === 410;
