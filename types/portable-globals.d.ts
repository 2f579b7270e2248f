/**
 * The few globals that every JavaScript runtime swarmlab targets provides (browsers, Node >= 20,
 * workers; the WinterCG "minimum common API"). The pure packages (`protocol`, `engine`) compile
 * against ES2022 plus exactly these, so neither DOM nor Node APIs can creep into them.
 */
declare class TextEncoder {
  encode(input?: string): Uint8Array;
}
declare class TextDecoder {
  constructor(label?: string, options?: { fatal?: boolean; ignoreBOM?: boolean });
  decode(input?: Uint8Array): string;
}
declare const crypto: {
  getRandomValues<T extends Uint8Array | Uint32Array>(array: T): T;
  readonly subtle: {
    digest(algorithm: 'SHA-256', data: Uint8Array): Promise<ArrayBuffer>;
  };
};
declare function setTimeout(callback: () => void, delayMs?: number): unknown;
declare function clearTimeout(handle: unknown): void;
declare function queueMicrotask(callback: () => void): void;
/** The monotonic clock, in milliseconds with fractions (the engine's `systemClock`). */
declare const performance: { now(): number };
/** WHATWG URL, as far as the protocol reads one (an origin's parts). */
declare class URL {
  constructor(url: string, base?: string);
  readonly origin: string;
  readonly protocol: string;
  readonly hostname: string;
}
