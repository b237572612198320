import { parse, serialize, type SerializeOptions } from 'cookie';
import { type FastifyReply, type FastifyRequest } from 'fastify';

/** The session cookie, and the one that guards the sign-in form before there is a session. */
const SESSION_COOKIE = 'sy_console';
const SIGN_IN_CSRF_COOKIE = 'sy_sign_in';

/**
 * HttpOnly (no script reads it), SameSite=Strict (no other site's page sends it), Secure where
 * the console is served over HTTPS (CONSOLE_SECURE_COOKIES, on in production).
 */
function options(secure: boolean, maxAgeSeconds?: number): SerializeOptions {
  return {
    httpOnly: true,
    sameSite: 'strict',
    secure,
    path: '/',
    ...(maxAgeSeconds === undefined ? {} : { maxAge: maxAgeSeconds }),
  };
}

function cookiesOf(request: FastifyRequest): Record<string, string | undefined> {
  return parse(request.headers.cookie ?? '');
}

export function sessionTokenOf(request: FastifyRequest): string | undefined {
  return cookiesOf(request)[SESSION_COOKIE];
}

export function signInCsrfOf(request: FastifyRequest): string | undefined {
  return cookiesOf(request)[SIGN_IN_CSRF_COOKIE];
}

/** Several Set-Cookie headers on one answer, without dropping those set before. */
function addCookie(reply: FastifyReply, cookie: string): void {
  const existing = reply.getHeader('set-cookie');
  const list =
    existing === undefined ? [] : Array.isArray(existing) ? existing : [String(existing)];
  void reply.header('set-cookie', [...list, cookie]);
}

export function setSessionCookie(
  reply: FastifyReply,
  token: string,
  secure: boolean,
  maxAgeSeconds: number,
): void {
  addCookie(reply, serialize(SESSION_COOKIE, token, options(secure, maxAgeSeconds)));
}

export function clearSessionCookie(reply: FastifyReply, secure: boolean): void {
  addCookie(reply, serialize(SESSION_COOKIE, '', options(secure, 0)));
}

export function setSignInCsrfCookie(reply: FastifyReply, token: string, secure: boolean): void {
  addCookie(reply, serialize(SIGN_IN_CSRF_COOKIE, token, options(secure, 3600)));
}

export function clearSignInCsrfCookie(reply: FastifyReply, secure: boolean): void {
  addCookie(reply, serialize(SIGN_IN_CSRF_COOKIE, '', options(secure, 0)));
}
