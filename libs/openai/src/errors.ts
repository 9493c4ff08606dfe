// The OpenAI error shape, and llmd's typed API errors that map onto it at the edge.

export interface OpenAIErrorBody {
  error: { message: string; type: string; param: string | null; code: string | null };
}

export type ApiErrorCode =
  | 'invalid_json'
  | 'invalid_request'
  | 'model_not_found'
  | 'unauthorized'
  | 'forbidden'
  | 'payload_too_large'
  | 'request_timeout'
  | 'headers_too_large'
  | 'context_length_exceeded'
  | 'rate_limited'
  | 'no_endpoint_available'
  | 'upstream_error'
  | 'upstream_timeout';

const STATUS: Record<ApiErrorCode, number> = {
  invalid_json: 400,
  invalid_request: 400,
  model_not_found: 404,
  unauthorized: 401,
  forbidden: 403,
  payload_too_large: 413,
  request_timeout: 408,
  headers_too_large: 431,
  context_length_exceeded: 400,
  rate_limited: 429,
  no_endpoint_available: 503,
  upstream_error: 502,
  upstream_timeout: 504,
};

const TYPE: Record<number, string> = {
  400: 'invalid_request_error',
  401: 'authentication_error',
  403: 'permission_error',
  404: 'not_found_error',
  408: 'invalid_request_error',
  413: 'invalid_request_error',
  431: 'invalid_request_error',
  429: 'rate_limit_error',
};

/** An error llmd answers to a client; its HTTP status follows from its stable code. */
export class ApiError extends Error {
  readonly status: number;
  constructor(
    readonly code: ApiErrorCode,
    message: string,
    readonly param: string | null = null,
    /** Response headers that go with the error (e.g. Retry-After on a 429). */
    readonly headers: Readonly<Record<string, string>> = {},
  ) {
    super(message);
    this.name = 'ApiError';
    this.status = STATUS[code];
  }

  toBody(): OpenAIErrorBody {
    return { error: { message: this.message, type: TYPE[this.status] ?? 'server_error', param: this.param, code: this.code } };
  }
}

export function isOpenAIErrorBody(v: unknown): v is OpenAIErrorBody {
  return typeof v === 'object' && v !== null && typeof (v as OpenAIErrorBody).error?.message === 'string';
}
