import {
  applyDecorators,
  Controller,
  createParamDecorator,
  type ExecutionContext,
  SetMetadata,
  UseFilters,
  UseGuards,
} from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { ConsoleErrorFilter } from '../console-error.filter';
import { type ConsoleRequest, ConsoleSessionGuard } from './console-session.guard';
import type { ConsoleSession } from './console-session';

/** Who may open a console route: operators, partners through their portal, or either. */
export type ConsoleArea = 'operator' | 'partner' | 'any';

export const CONSOLE_AREA = 'switchyard:console-area';

export const ConsoleAreaOf = (area: ConsoleArea) => SetMetadata(CONSOLE_AREA, area);

/** The session ConsoleSessionGuard found for this request. */
export const CurrentSession = createParamDecorator(
  (_: unknown, context: ExecutionContext): ConsoleSession => {
    const session = context.switchToHttp().getRequest<ConsoleRequest>().consoleSession;
    if (!session) throw new Error('CurrentSession used on a route without ConsoleSessionGuard');
    return session;
  },
);

/**
 * A controller of console pages: HTML, so not in the OpenAPI document; behind a session of
 * `area` (ConsoleSessionGuard); failing as pages (ConsoleErrorFilter). Without an area, its
 * routes are open (sign-in, the portal's entry) and each guarded one says its own.
 */
export function ConsolePages(path: string, area?: ConsoleArea): ClassDecorator {
  return applyDecorators(
    ApiExcludeController(),
    Controller(path),
    UseFilters(ConsoleErrorFilter),
    ...(area ? [ConsoleAreaOf(area), UseGuards(ConsoleSessionGuard)] : []),
  );
}
