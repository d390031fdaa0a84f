import { STATUS_CODES, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { ConnectionError, FastifyBaseLogger, FastifyError } from 'fastify';
import type { ErrorBody } from '../core/errors.js';

/**
 * Errors that happen before a request reaches a route — the HTTP parser refusing the bytes, or the router refusing
 * the URL — answered like every other error: `{ error: { code, message } }` with the status that says what went
 * wrong, the security headers and `Cache-Control: no-store`. Fastify's defaults answer these in its own shape.
 */

interface Answer {
  status: number;
  code: string;
  message: string;
}

/** A request line longer than this is "URI too long" (414) rather than "headers too large" (431). */
const LONGEST_REQUEST_LINE = 8 * 1024;

/** Node hands the parser's buffer over as a Buffer (Fastify's type says otherwise). */
type ParserError = Omit<ConnectionError, 'rawPacket'> & { rawPacket?: unknown };

function parserAnswer(err: ParserError): Answer {
  switch (err.code) {
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      return { status: 408, code: 'request_timeout', message: 'The request was not received in time.' };
    case 'HPE_HEADER_OVERFLOW': {
      const lineEnd = Buffer.isBuffer(err.rawPacket) ? err.rawPacket.indexOf('\r\n') : -1;
      return lineEnd === -1 || lineEnd > LONGEST_REQUEST_LINE
        ? { status: 414, code: 'uri_too_long', message: 'The request URI is too long.' }
        : { status: 431, code: 'headers_too_large', message: 'The request headers are too large.' };
    }
    case 'HPE_INVALID_CONTENT_LENGTH':
    case 'HPE_UNEXPECTED_CONTENT_LENGTH':
    case 'HPE_INVALID_TRANSFER_ENCODING':
      return {
        status: 400,
        code: 'invalid_content_length',
        message: 'Content-Length is invalid, or conflicts with Transfer-Encoding.',
      };
    case 'HPE_INVALID_EOF_STATE':
      return { status: 400, code: 'invalid_content_length', message: 'The request ended before the length its Content-Length announced.' };
    default:
      return { status: 400, code: 'bad_request', message: 'The request is not valid HTTP.' };
  }
}

function errorBody(answer: Answer): string {
  const body: ErrorBody = { error: { code: answer.code, message: answer.message } };
  return JSON.stringify(body);
}

/**
 * Fastify's `clientErrorHandler`: the parser refused the request, so there is no request object and the answer is
 * written to the socket by hand — only when no response of an earlier request on this connection has started
 * (otherwise the bytes would corrupt it), exactly as Node's own handler does. The connection is then closed.
 */
export function createClientErrorHandler(logger: FastifyBaseLogger, headers: Record<string, string>) {
  const fixed = Object.entries({ ...headers, 'cache-control': 'no-store' })
    .map(([name, value]) => `${name}: ${value}\r\n`)
    .join('');
  return (err: ParserError, socket: Socket) => {
    if (err.code === 'ECONNRESET' || socket.destroyed) return;
    const answer = parserAnswer(err);
    logger.debug({ code: err.code, status: answer.status }, 'client error');
    const inFlight = (socket as Socket & { _httpMessage?: { headersSent?: boolean } })._httpMessage;
    if (socket.writable && !inFlight?.headersSent) {
      const body = errorBody(answer);
      socket.write(
        `HTTP/1.1 ${answer.status} ${STATUS_CODES[answer.status]}\r\n` +
          `content-type: application/json; charset=utf-8\r\ncontent-length: ${Buffer.byteLength(body)}\r\n` +
          `connection: close\r\n${fixed}\r\n${body}`,
      );
    }
    socket.destroy(err);
  };
}

const ROUTER_ERRORS: Record<string, Answer> = {
  FST_ERR_BAD_URL: { status: 400, code: 'invalid_url', message: 'The URL is not correctly percent-encoded.' },
  FST_ERR_MAX_PARAM_LENGTH: { status: 414, code: 'uri_too_long', message: 'A path segment of the URL is too long.' },
};

/**
 * Fastify's `frameworkErrors`: the router refused the URL. There is no route, so no hook runs and the answer is
 * written like Fastify's own (on the raw response), with the headers every response carries.
 */
export function createFrameworkErrorHandler(headers: Record<string, string>) {
  return (err: FastifyError, request: { id: string; log: FastifyBaseLogger }, reply: { raw: ServerResponse }) => {
    const answer = ROUTER_ERRORS[err.code] ?? {
      status: 500,
      code: 'internal_error',
      message: `Something went wrong on our side. Reference: ${request.id}.`,
    };
    if (answer.status >= 500) request.log.error({ err }, 'router error');
    else request.log.debug({ code: err.code, status: answer.status }, 'router refused the URL');
    const body = errorBody(answer);
    reply.raw.writeHead(answer.status, {
      ...headers,
      'cache-control': 'no-store',
      'x-request-id': request.id,
      'content-type': 'application/json; charset=utf-8',
      'content-length': Buffer.byteLength(body),
    });
    reply.raw.end(body);
  };
}
