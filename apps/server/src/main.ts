#!/usr/bin/env tsx
import { CliUsageError, parseCliOptions, TRUST_PROXY_ENV, USAGE } from './cli-options';
import { lastForwardedAddress } from './client-address';
import { describeListenError } from './listen-errors';
import { createSignallingServer } from './create-server';
import { ICE_SERVERS_ENV, IceServersConfigError, parseIceServers } from './ice-servers';
import { urlsToOpen } from './lan-addresses';
import { staticDirProblem } from './static-dir';
import { connectRedisState, REDIS_URL_ENV, RedisUnreachableError, RedisUrlError } from './redis-swarm-state';
import { lanUrlOf, terminalQr } from './terminal-qr';

/**
 * How long a shutdown may take before the process exits anyway: past the most its steps wait (connections cut after
 * `CLOSE_GRACE_MS`, 1 s; then Redis's last writes and QUIT, 2 s each), so that a stalled Redis still gets its QUIT
 * (at 5 s, the sum, the timer won and the process exited 1 without a word; found by review).
 */
const SHUTDOWN_GRACE_MS = 8000;

async function main(): Promise<void> {
  const options = parseCliOptions(process.argv.slice(2), process.env);
  if (options.help) {
    console.log(USAGE);
    return;
  }
  const iceServers = parseIceServers(process.env['SWARMLAB_ICE_SERVERS']);

  // Looked for again on every request: an app built while the server runs is served at once.
  const staticProblem = staticDirProblem(options.staticDir);
  if (staticProblem === 'app-source') {
    console.warn(
      `warning: ${options.staticDir} holds a package.json: it is a package's source folder, not the built web app,\n` +
        `         so nothing of it is served (signalling works). Name the build with --static-dir, e.g. apps/web/dist.`,
    );
  } else if (staticProblem === 'no-index') {
    console.warn(
      `warning: ${options.staticDir} has no index.html, so the web app is not served yet (signalling works).\n` +
        (options.staticDirGiven
          ? `         Check --static-dir: it names the directory holding the built app's index.html.`
          : `         Build it: npx pnpm@12.4.2 build   (or start everything with: npx pnpm@12.4.2 start)`),
    );
  }

  // One setting shares the swarms with other processes through Redis; without it they live in this one.
  const redisUrl = process.env[REDIS_URL_ENV];
  const redisState = redisUrl ? await connectRedisState({ url: redisUrl }) : undefined;
  const server = createSignallingServer({
    iceServers,
    staticDir: options.staticDir,
    log: (line) => console.log(line),
    // Behind a reverse proxy, each client by the address the proxy appended; else by its TCP peer's.
    ...(options.trustProxy && { clientAddress: lastForwardedAddress }),
    // Clients behind a proxy reach this process's UDP port no more than its TCP one.
    lanStun: options.lanStun && !options.trustProxy,
    ...redisState,
  });
  const { port, lanStunPort } = await server.listen(options.port, options.host);

  console.log(`swarmlab signalling server listening on port ${port}; open:`);
  const urls = urlsToOpen(options.host, port);
  for (const url of urls) console.log(`  ${url}`);
  const lanUrl = lanUrlOf(urls);
  if (lanUrl) console.log(`\nOn this network, scan to open ${lanUrl}:\n${terminalQr(lanUrl)}\n`);
  console.log(
    redisState
      ? `swarms: in Redis (${REDIS_URL_ENV}), shared with every process using it; this process is ${redisState.processId}`
      : `swarms: in this process's memory (set ${REDIS_URL_ENV} to share them between processes through Redis)`,
  );
  if (options.trustProxy)
    console.log(
      `client addresses: the last X-Forwarded-For entry (--trust-proxy or ${TRUST_PROXY_ENV}), as a proxy in front appends it`,
    );
  console.log(
    iceServers.length > 0
      ? `ICE servers: ${iceServers.length} configured (${ICE_SERVERS_ENV})`
      : `ICE servers: none configured (${ICE_SERVERS_ENV}): peers on this machine or this LAN`,
  );
  if (lanStunPort !== undefined)
    console.log(
      `LAN STUN: answering on UDP port ${lanStunPort}, so laptops connect where the network blocks multicast (--no-lan-stun: off)`,
    );
  else if (options.lanStun)
    console.log(
      options.trustProxy
        ? 'LAN STUN: off behind --trust-proxy (UDP does not pass a reverse proxy)'
        : `LAN STUN: off (UDP port ${port} cannot be had, above): on a network that blocks multicast, laptops will not connect`,
    );

  let closing = false;
  const shutdown = (signal: NodeJS.Signals): void => {
    if (closing) {
      console.log(`${signal} again: exiting now`);
      process.exit(1);
    }
    closing = true;
    console.log(`${signal}: closing`);
    setTimeout(() => {
      console.error(`did not close within ${SHUTDOWN_GRACE_MS / 1000} s; exiting`);
      process.exit(1);
    }, SHUTDOWN_GRACE_MS).unref();
    server.close().then(
      () => process.exit(0),
      (error: unknown) => {
        console.error('error while closing:', error);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', shutdown);
  process.on('SIGTERM', shutdown);
}

main().catch((error: unknown) => {
  if (error instanceof CliUsageError) {
    console.error(`error: ${error.message}\n\n${USAGE}`);
    process.exit(2);
  }
  if (error instanceof RedisUrlError) {
    console.error(`error: ${REDIS_URL_ENV}: ${error.message}`);
    process.exit(2);
  }
  if (error instanceof RedisUnreachableError) {
    console.error(`error: ${error.message}; start it, or unset ${REDIS_URL_ENV} to keep swarms in this process`);
    process.exit(1);
  }
  if (error instanceof IceServersConfigError) {
    console.error(`error: ${error.message}`);
    process.exit(2);
  }
  const listenFailure = describeListenError(error);
  if (listenFailure) {
    console.error(`error: ${listenFailure.message}`);
    process.exit(listenFailure.exitCode);
  }
  console.error(error);
  process.exit(1);
});
