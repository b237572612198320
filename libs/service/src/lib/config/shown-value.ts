/**
 * Variables whose value is a credential: the admin token, Stripe's keys and signing secrets,
 * anything named like one. A configuration error goes to stderr, which ends up in the same log
 * store as everything else, and the value most likely to be wrong is a key pasted into the
 * wrong variable (an `sk_live_…` in STRIPE_WEBHOOK_SECRETS).
 */
const SECRET_NAME = /(SECRET|TOKEN|PASSWORD|PASSPHRASE|CREDENTIALS|(^|_)KEYS?$)/;

/** URL-valued variables that may carry a password in their user info. */
const URL_WITH_PASSWORD = new Set(['DATABASE_URL']);

/** How a configuration error quotes the value of `variable`: secrets are described, not shown. */
export function shownValue(variable: string, value: string): string {
  if (SECRET_NAME.test(variable)) {
    return `a value of ${value.length} characters, not shown as it is a secret`;
  }
  if (URL_WITH_PASSWORD.has(variable)) return `"${withoutPassword(value)}"`;
  return `"${value}"`;
}

function withoutPassword(value: string): string {
  try {
    const url = new URL(value);
    if (url.password) url.password = '***';
    return url.href;
  } catch {
    return '(not a URL; not shown as it may hold a password)';
  }
}
