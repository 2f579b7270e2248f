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
writeFileSync(errorsFile, '');
await startServerProcess({
  port,
  staticDir: 'apps/web/dist-e2e',
  onErrorLine: (line) => appendFileSync(errorsFile, `${line}\n`),
});
// Serving until Playwright stops it; the server dies with this process.
setInterval(() => undefined, 1 << 30);
