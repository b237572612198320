import { Injectable, type OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { errorCodes, type FastifyInstance } from 'fastify';

const FORM = 'application/x-www-form-urlencoded';
const FORM_LIMIT = 64 * 1024;

/** The paths that take HTML forms; the API keeps refusing anything but JSON. */
export function takesForms(url: string): boolean {
  return url.startsWith('/console/') || url === '/console' || url.startsWith('/portal');
}

/**
 * HTML forms posted to the console arrive as URLSearchParams (every value of a repeated field
 * kept, as a multi-select sends them); anywhere else a form is the same 415 as before.
 */
@Injectable()
export class ConsoleFormBody implements OnModuleInit {
  constructor(private readonly adapterHost: HttpAdapterHost) {}

  onModuleInit(): void {
    const fastify = this.adapterHost.httpAdapter.getInstance<FastifyInstance>();
    fastify.addContentTypeParser(
      FORM,
      { parseAs: 'string', bodyLimit: FORM_LIMIT },
      (request, body, done) => {
        if (!takesForms(request.url)) {
          done(new errorCodes.FST_ERR_CTP_INVALID_MEDIA_TYPE(FORM), undefined);
          return;
        }
        done(null, new URLSearchParams(body as string));
      },
    );
  }
}
