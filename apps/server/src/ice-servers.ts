import { describeSchemaError, iceServerSchema, type IceServer } from '@swarmlab/protocol';

/** The environment variable that configures STUN/TURN servers for clients. */
export const ICE_SERVERS_ENV = 'SWARMLAB_ICE_SERVERS';

const EXAMPLE =
  '[{"urls":"stun:stun.example.org:3478"},{"urls":"turn:turn.example.org","username":"u","credential":"p"}]';

/** The ICE server configuration is unusable; the message says what to fix. */
export class IceServersConfigError extends Error {
  override readonly name = 'IceServersConfigError';
}

/**
 * Parses the JSON array of ICE servers given in `SWARMLAB_ICE_SERVERS`. Unset or blank means none: host
 * candidates only, which is right on one machine and on a classroom LAN. A browser refuses the whole
 * `RTCPeerConnection` on one bad entry, so URL schemes and TURN credentials are checked here, at start.
 */
export function parseIceServers(text: string | undefined, source: string = ICE_SERVERS_ENV): IceServer[] {
  if (text === undefined || text.trim() === '') return [];
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new IceServersConfigError(`${source} is not valid JSON (${reason}). Expected e.g. ${EXAMPLE}`);
  }
  if (!Array.isArray(json)) throw new IceServersConfigError(`${source} must be a JSON array, e.g. ${EXAMPLE}`);
  return json.map((entry: unknown, index) => {
    const parsed = iceServerSchema.safeParse(entry);
    if (!parsed.success) {
      throw new IceServersConfigError(
        `${source}[${index}]: ${describeSchemaError(parsed.error)}. Expected e.g. ${EXAMPLE}`,
      );
    }
    const server = parsed.data;
    const urls = typeof server.urls === 'string' ? [server.urls] : server.urls;
    if (urls.length === 0) throw new IceServersConfigError(`${source}[${index}].urls: give at least one URL`);
    for (const url of urls) {
      const scheme = /^(stuns?|turns?):/.exec(url)?.[1];
      if (scheme === undefined) {
        throw new IceServersConfigError(`${source}[${index}]: "${url}" is not a stun:, stuns:, turn: or turns: URL`);
      }
      if (scheme.startsWith('turn') && (server.username === undefined || server.credential === undefined)) {
        throw new IceServersConfigError(`${source}[${index}]: a TURN server needs "username" and "credential"`);
      }
    }
    return server;
  });
}
