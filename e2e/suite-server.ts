import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Where the suite's server on `port` writes its error lines as it logs them (`run-suite-server.ts`), for each test to
 * check those of its own time (`serverErrors` in fixtures.ts): its output reached only the console, and a handler's
 * failure passed unseen.
 */
export function suiteServerErrorsFile(port: number): string {
  return join(tmpdir(), `swarmlab-e2e-${port}-server-errors.log`);
}
