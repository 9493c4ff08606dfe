// Every error the gateway answers has OpenAI's shape, including those raised before a route runs
// (malformed JSON, a body over the size limit, an unknown route).
import { ArgumentsHost, Catch, ExceptionFilter, HttpException } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { ApiError } from '@llmd/openai';

export function toApiError(err: unknown): ApiError {
  if (err instanceof ApiError) return err;
  const e = err as { statusCode?: number; code?: string; message?: string; getStatus?: () => number };
  const status = err instanceof HttpException ? err.getStatus() : e.statusCode;
  if (e.code === 'FST_ERR_CTP_INVALID_JSON_BODY' || e.code === 'FST_ERR_CTP_EMPTY_JSON_BODY' || (status === 400 && /JSON/i.test(e.message ?? ''))) {
    return new ApiError('invalid_json', `We could not parse the JSON body of your request: ${e.message}`);
  }
  if (status === 413) return new ApiError('payload_too_large', 'Request body is too large.');
  if (status === 415) return new ApiError('invalid_request', 'Content-Type must be application/json.');
  if (status === 404) return new ApiError('invalid_request', `Unknown route: ${e.message ?? ''}`.trim());
  if (status !== undefined && status < 500) return new ApiError('invalid_request', e.message ?? 'Bad request.');
  return new ApiError('upstream_error', 'Internal server error.');
}

@Catch()
export class OpenAIExceptionFilter implements ExceptionFilter {
  catch(exception: unknown, host: ArgumentsHost): void {
    const reply = host.switchToHttp().getResponse<FastifyReply>();
    if (reply.sent) return;
    const api = toApiError(exception);
    // Unknown routes answer 404 like OpenAI, with the invalid_request code.
    const status = (exception as { getStatus?: () => number }).getStatus?.() === 404 ? 404 : api.status;
    void reply.code(status).headers(api.headers).send(api.toBody());
  }
}
