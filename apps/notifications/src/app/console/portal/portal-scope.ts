import { ParseUUIDPipe } from '@nestjs/common';
import { ApiError } from '@switchyard/service';
import { type ConsoleSession } from '../auth/console-session';
import { pageNotFound } from '../console-errors';
import { EndpointNotFoundError } from '../../endpoints/endpoint-not-found.error';

/** Pages answer 404 for what is not this partner's, exactly as for what does not exist. */
export const NOT_FOUND = pageNotFound;

/** An id in a portal address: one that is not a UUID names nothing, 404 like any other. */
export const portalId = () => new ParseUUIDPipe({ exceptionFactory: NOT_FOUND });

/** The guard lets only partner sessions through; this keeps the compiler sure of it too. */
export function partnerOf(session: ConsoleSession): string {
  if (session.kind !== 'partner') throw NOT_FOUND();
  return session.partnerId;
}

/**
 * The partner of a session that may change things. The guard refuses a read-only session every
 * POST; the forms leading to one are refused here with the same answer.
 */
export function managingPartnerOf(session: ConsoleSession): string {
  const partnerId = partnerOf(session);
  if (session.kind === 'partner' && session.capability !== 'manage')
    throw new ApiError(
      403,
      'read_only_portal',
      'This portal link allows reading only; ask your contact for a link that allows changes',
    );
  return partnerId;
}

/** A use case's "no endpoint of yours with this id" is, in the portal, a page that does not exist. */
export async function asPortalPage<T>(work: Promise<T>): Promise<T> {
  try {
    return await work;
  } catch (err) {
    if (err instanceof EndpointNotFoundError) throw NOT_FOUND();
    throw err;
  }
}
