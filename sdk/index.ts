export { GatehouseClient, type GatehouseClientOptions } from './client.ts';
export { GatehouseApiError, type GatehouseErrorName, GatehouseNetworkError } from './errors.ts';
export type { RetryOptions } from './retry.ts';
export type { Credentials } from './session.ts';
export type { CallOptions, Method } from './transport.ts';
export type * from './types.ts';
