import { existsSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Why a static directory cannot be served as the web app, looked at on every request (an app built or rebuilt while
 * the server runs is served at once):
 * - `no-index`: no `index.html` (not built yet, or the wrong directory);
 * - `app-source`: a package's source folder (a `package.json` beside a Vite config or a `src/` folder), such as
 *   `apps/web` itself: its source `index.html` loads `/src/main.ts`, which every browser refuses as a script, so
 *   students saw a blank page and the teacher no warning; and the folder's `node_modules` links reach into the
 *   workspace (found by review). A build whose folder carries a `package.json` (one deployed for `npx serve`) is served.
 */
export type StaticDirProblem = 'no-index' | 'app-source';

const SOURCE_MARKS = ['vite.config.ts', 'vite.config.js', 'vite.config.mjs', 'vite.config.mts', 'src'];

export function staticDirProblem(staticDir: string): StaticDirProblem | undefined {
  if (existsSync(join(staticDir, 'package.json')) && SOURCE_MARKS.some((name) => existsSync(join(staticDir, name))))
    return 'app-source';
  if (!existsSync(join(staticDir, 'index.html'))) return 'no-index';
  return undefined;
}
