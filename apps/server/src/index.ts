export {
  createSignallingServer,
  type SignallingServer,
  type SignallingServerDeps,
  type SignallingServerStats,
} from './create-server';
export type { AddressQuotaSizes } from './address-quotas';
export { addressKey, type ClientAddress, type Handshake } from './client-address';
export { DEFAULT_LIMITS, type ServerLimits } from './limits';
export type { RandomBytes } from './random-ids';
export type { ClockMs } from './clock-ms';
export type { SignallingIo, SignallingSocket } from './signalling-io';
export { HEALTH_PATH } from './http-handler';
export {
  connectRedisState,
  REDIS_URL_ENV,
  RedisUnreachableError,
  type RedisState,
  type RedisStateOptions,
} from './redis-swarm-state';
export { createMemorySwarmState, type SwarmStateFactory } from './memory-swarm-state';
