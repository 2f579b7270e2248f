/** Milliseconds on a monotonic clock; injectable so tests control time. */
export type ClockMs = () => number;
