import { FastifyInstance } from 'fastify';

/** What answers an IEC 61968-100 request: its raw XML in, the reply to send out. */
export type IecHandler = (body: Buffer) => Promise<{ statusCode: number; contentType: string; body: string }>;

const XML_TYPES = ['application/xml', 'text/xml'];

/**
 * `POST /iec`: raw XML bodies up to `maxBodyBytes` handed to `handler` as bytes, which
 * the request reader decodes (as text here, bytes that are not UTF-8 would become U+FFFD
 * unnoticed); a larger body is refused with 413 before it is read whole, another content
 * type with 415.
 * Registered in a context of its own so the XML parsers, and only they, apply here.
 */
export function registerIecRoute(app: FastifyInstance, handler: IecHandler, maxBodyBytes: number): void {
  void app.register(async (iec) => {
    iec.removeAllContentTypeParsers();
    iec.addContentTypeParser(
      XML_TYPES,
      { parseAs: 'buffer', bodyLimit: maxBodyBytes },
      (_request, body, done) => done(null, body),
    );
    iec.post<{ Body: Buffer | undefined }>(
      '/iec',
      { bodyLimit: maxBodyBytes, config: { access: 'api' } },
      async (request, reply) => {
        const answer = await handler(request.body ?? Buffer.alloc(0));
        return reply.code(answer.statusCode).type(answer.contentType).send(answer.body);
      },
    );
  });
}
