/** Injection token of the service's validated configuration (a CommonEnv or an extension of it). */
export const SERVICE_CONFIG = Symbol('SERVICE_CONFIG');
