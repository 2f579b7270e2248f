export { createSignallingServer, type SignallingServer, type SignallingServerDeps } from './create-server';
export { DEFAULT_LIMITS, type ServerLimits } from './limits';
export type { RandomBytes } from './random-ids';
export type { ClockMs } from './clock-ms';
export type { SignallingIo, SignallingSocket } from './signalling-io';
export { HEALTH_PATH } from './http-handler';
