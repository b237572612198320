export * from './free-port';
export * from './private-postgres';
export * from './private-kafka';
export * from './load-driver';
