import { existsSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BenchFailure } from './failure';

const REPO_ROOT = resolve(fileURLToPath(new URL('..', import.meta.url)));
/** The built web app the server serves: `npx pnpm@12.4.2 build` makes it. */
export const DEFAULT_STATIC_DIR = join(REPO_ROOT, 'apps', 'web', 'dist');

/** Throws a `BenchFailure` that says how to build the app when `staticDir` holds none. */
export function requireBuild(staticDir: string): void {
  const index = join(staticDir, 'index.html');
  if (existsSync(index)) return;
  throw new BenchFailure(
    staticDir === DEFAULT_STATIC_DIR
      ? `${index} is missing: run \`npx pnpm@12.4.2 build\` first.`
      : `${index} is missing: --static-dir must name a built web app (apps/web/dist after \`npx pnpm@12.4.2 build\`).`,
  );
}

/** Which build of the web app is served: its entry script and when it was built (others may rebuild it). */
export function describeBuild(staticDir: string): string {
  const html = readFileSync(join(staticDir, 'index.html'), 'utf8');
  const script = /<script[^>]+src="\/?([^"]+)"/.exec(html)?.[1];
  if (!script) return staticDir;
  const path = join(staticDir, script);
  const built = existsSync(path) ? ` built ${statSync(path).mtime.toISOString()}` : ' (missing!)';
  return `${path}${built}`;
}
