/** Injection token of the service's validated configuration (a CommonEnv or an extension of it). */
export const SERVICE_CONFIG = Symbol('SERVICE_CONFIG');

/** Injection token of the service's name (orders, payments, notifications). */
export const SERVICE_NAME = Symbol('SERVICE_NAME');
