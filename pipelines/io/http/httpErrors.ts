import { FastifyError } from 'fastify';
import { STATUS_CODES } from 'node:http';
import { DerstreamError, messageOf } from '../../errors';

/** A request's query or path parameter is missing, unknown or malformed: a 400 naming it. */
export class BadParameterError extends DerstreamError {
  constructor(
    readonly parameter: string,
    message: string,
  ) {
    super('BAD_PARAMETER', `${parameter}: ${message}`, false);
  }
}

/** What the request asks for does not exist (yet): a 404. */
export class NotFoundError extends DerstreamError {
  constructor(message: string) {
    super('NOT_FOUND', message, false);
  }
}

/**
 * The status and JSON body that answer an error: `{error, message}` with a stable
 * snake_case `error`, plus `parameter` for a bad parameter. Unexpected errors say only
 * "internal error": their messages may hold internals the server logs instead.
 */
export function errorResponse(
  error: unknown,
  maxBodyBytes: number,
): { statusCode: number; body: Record<string, unknown> } {
  if (error instanceof BadParameterError) {
    return {
      statusCode: 400,
      body: { error: 'bad_parameter', parameter: error.parameter, message: error.message },
    };
  }
  if (error instanceof NotFoundError)
    return { statusCode: 404, body: { error: 'not_found', message: error.message } };
  if (error instanceof DerstreamError) {
    return error.retriable
      ? { statusCode: 503, body: { error: 'unavailable', message: error.message } }
      : { statusCode: 500, body: { error: 'internal', message: 'internal error' } };
  }
  const { code, statusCode } = error as Partial<FastifyError>;
  if (code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
    return {
      statusCode: 413,
      body: {
        error: 'payload_too_large',
        message: `the request body is larger than ${maxBodyBytes} bytes (DERSTREAM_HTTP_MAX_BODY_BYTES)`,
      },
    };
  }
  if (code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') {
    return {
      statusCode: 415,
      body: { error: 'unsupported_media_type', message: 'the body must be application/xml or text/xml' },
    };
  }
  if (statusCode !== undefined && statusCode >= 400 && statusCode < 500) {
    const reason = STATUS_CODES[statusCode] ?? 'Bad Request';
    return {
      statusCode,
      body: { error: reason.toLowerCase().replace(/\W+/g, '_'), message: messageOf(error) },
    };
  }
  return { statusCode: 500, body: { error: 'internal', message: 'internal error' } };
}
