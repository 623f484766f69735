import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { ConsoleFiles, isConsolePath } from './console-files';

describe('the console files as both topologies serve them', () => {
  let dir: string;
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'console-files-'));
    for (const [file, text] of [['index.html', '<!doctype html>'], ['console.js', 'void 0'], ['console.css', 'body{}']]) fs.writeFileSync(path.join(dir, file), text);
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('given the built files, then /console (with or without a slash) is the page and the script and style are theirs, each with the security headers', () => {
    const files = ConsoleFiles.load(dir);
    for (const [pathname, type, body] of [
      ['/console', 'text/html; charset=utf-8', '<!doctype html>'],
      ['/console/', 'text/html; charset=utf-8', '<!doctype html>'],
      ['/console/console.js', 'text/javascript; charset=utf-8', 'void 0'],
      ['/console/console.css', 'text/css; charset=utf-8', 'body{}'],
    ]) {
      const answer = files.answer(pathname);
      expect([answer.status, answer.headers['content-type'], answer.body.toString()]).toEqual([200, type, body]);
      expect(answer.headers).toMatchObject({ 'x-content-type-options': 'nosniff', 'referrer-policy': 'no-referrer', 'x-frame-options': 'DENY' });
      expect(answer.headers['content-security-policy']).toContain("frame-ancestors 'none'");
    }
  });

  it('given any other path under /console, then it is 404 problem details naming it, never a file of the disk', () => {
    const files = ConsoleFiles.load(dir);
    for (const pathname of ['/console/approvals', '/console/../package.json', '/console/index.html', '/console/%2e%2e/x']) {
      const answer = files.answer(pathname);
      expect(answer.status).toBe(404);
      expect(answer.headers['content-type']).toBe('application/problem+json; charset=utf-8');
      expect(JSON.parse(answer.body.toString())).toMatchObject({ status: 404, code: 'NOT_FOUND', instance: pathname });
    }
  });

  it('given a build without the console, then its paths say how to build it', () => {
    const answer = ConsoleFiles.load(path.join(dir, 'missing')).answer('/console');
    expect(answer.status).toBe(404);
    expect(JSON.parse(answer.body.toString()).detail).toContain('npm run build');
  });

  it('given paths, then only /console and what is under it are the console', () => {
    expect(['/console', '/console/', '/console/x', '/consoles', '/v1/console', '/'].map(isConsolePath)).toEqual([true, true, true, false, false, false]);
  });
});
