import { All } from '@nestjs/common';
import { pageNotFound } from './console-errors';
import { ConsolePages } from './auth/console-area.decorator';

/**
 * An address under /console or /portal that no page answers is a page too: a 404 in HTML, as
 * the console's other errors, rather than the API's JSON. The router prefers every real route
 * over these wildcards, whatever the order they were registered in.
 */
@ConsolePages('')
export class ConsoleNotFoundController {
  @All(['console/*', 'portal/*'])
  notFound(): never {
    throw pageNotFound();
  }
}
