import { appendFileSync, writeFileSync } from 'node:fs';
import { startServerProcess } from '@swarmlab/test-kit/server';
import { suiteServerErrorsFile } from './suite-server';

/**
 * Playwright's `webServer` (playwright.config.ts, which passes its port as `SWARMLAB_E2E_PORT`): the real server
 * (`apps/server/src/main.ts`) on the test build (`pnpm build:e2e`: the same app, honouring the test-only switches),
 * through `startServerProcess`, which goes when this process does and leaves out an operator's exported ICE servers
 * and Redis URL. Its error lines go to `suiteServerErrorsFile`.
 */
const port = Number(process.env['SWARMLAB_E2E_PORT']);
if (!Number.isInteger(port)) throw new Error('SWARMLAB_E2E_PORT must name the suite server’s port');
const errorsFile = suiteServerErrorsFile(port);
// Lines logged while it starts are kept until it has: a start refused (the port taken by another run's server) must
// not empty that run's file (found by review).
let startingLines: string[] | undefined = [];
const server = await startServerProcess({
  port,
  staticDir: 'apps/web/dist-e2e',
  onErrorLine: (line) => {
    if (startingLines === undefined) appendFileSync(errorsFile, `${line}\n`);
    else startingLines.push(line);
  },
});
writeFileSync(errorsFile, startingLines.map((line) => `${line}\n`).join(''));
startingLines = undefined;
// Serving until Playwright stops it (the server dies with this process). Should the server die first, the next test's
// check says so and this process ends: before, it stayed up and every test after failed on refused connections.
const how = await server.ended;
appendFileSync(errorsFile, `error: the suite's server ended unasked (${how})\n`);
process.exit(1);
