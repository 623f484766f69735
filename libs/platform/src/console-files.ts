import * as fs from 'fs';
import * as path from 'path';
import { problem } from './problem-document';

/**
 * The operator console's static files (built by `npm run build` into dist/console), as the embedded process and the
 * front door serve them at /console. Free of NestJS, so that both answer with the same bytes and headers. Pages are
 * addressed by the fragment (/console#approvals), so the server knows three files and answers anything else under
 * /console/ with 404 problem details, never with the page: a mistyped or probing URL gets no HTML to render.
 */
export const CONSOLE_PATH = '/console';

/**
 * No inline script or style and no other origin: agent-controlled text that slipped into the page as markup could run
 * nothing. Trusted Types make every string-to-HTML sink (innerHTML and the like) throw, so that the console's own code
 * cannot render a string as markup either. Framing and form posts are refused, the key never leaves in a Referer.
 */
export const CONSOLE_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self'",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
  "require-trusted-types-for 'script'",
  "trusted-types 'none'",
].join('; ');

const SECURITY_HEADERS: Record<string, string> = {
  'content-security-policy': CONSOLE_CSP,
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
  // Small files, rebuilt with the server: asked again each time rather than cached stale across an upgrade.
  'cache-control': 'no-cache',
};

/** Each file the console has, by its path under /console ('' is the page). */
const FILES: Record<string, { file: string; type: string }> = {
  '': { file: 'index.html', type: 'text/html; charset=utf-8' },
  'console.js': { file: 'console.js', type: 'text/javascript; charset=utf-8' },
  'console.css': { file: 'console.css', type: 'text/css; charset=utf-8' },
};

export interface ConsoleAnswer {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
}

/** dist/console, whether this file runs built (dist/libs/platform/src) or from source under ts-jest (libs/platform/src). */
export function consoleDirectory(): string {
  let dir = __dirname;
  while (!fs.existsSync(path.join(dir, 'package.json')) && path.dirname(dir) !== dir) dir = path.dirname(dir);
  return path.join(dir, 'dist', 'console');
}

/** Whether a path is the console's (and not, say, /consoles or an API route). */
export const isConsolePath = (pathname: string): boolean => pathname === CONSOLE_PATH || pathname.startsWith(`${CONSOLE_PATH}/`);

export class ConsoleFiles {
  private constructor(
    private readonly files: Map<string, { type: string; body: Buffer }>,
    private readonly missing: string | null,
  ) {}

  /** Read once at start-up: the files are a few kilobytes and change only with a rebuild (and a restart). */
  static load(dir = consoleDirectory()): ConsoleFiles {
    const files = new Map<string, { type: string; body: Buffer }>();
    try {
      for (const [name, { file, type }] of Object.entries(FILES)) files.set(name, { type, body: fs.readFileSync(path.join(dir, file)) });
      return new ConsoleFiles(files, null);
    } catch {
      // A server built without the console (tsc alone) still serves the API; the console's URL says what is missing.
      return new ConsoleFiles(new Map(), `the console is not built (${dir}): run "npm run build"`);
    }
  }

  /** The answer for a GET or HEAD of a console path (see isConsolePath). */
  answer(pathname: string): ConsoleAnswer {
    const name = pathname.slice(CONSOLE_PATH.length).replace(/^\/+|\/+$/g, '');
    const found = this.files.get(name);
    if (found) return { status: 200, headers: { ...SECURITY_HEADERS, 'content-type': found.type }, body: found.body };
    const detail = this.missing ?? `no console file at ${pathname}; the console is ${CONSOLE_PATH}`;
    const body = Buffer.from(JSON.stringify({ ...problem(404, 'NOT_FOUND', detail), instance: pathname }));
    return { status: 404, headers: { ...SECURITY_HEADERS, 'content-type': 'application/problem+json; charset=utf-8' }, body };
  }
}
