/**
 * The SDK's types are the server's contract: regenerated from the OpenAPI document the build wrote, they are the
 * committed ones. A server change that alters a request or an answer fails here until the types are regenerated
 * (`npm run generate` in sdks/typescript) and the SDK compiles against them.
 */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { tempDir } from './support/world';

const SDK = path.join(__dirname, '..');

it('given the OpenAPI document `npm run build` wrote, when the types are generated again, then they are the committed ones, byte for byte', () => {
  // given / when
  const fresh = path.join(tempDir('mandate-sdk-types-'), 'openapi.ts');
  execFileSync('bash', [path.join(SDK, 'scripts', 'generate-types.sh'), fresh], { cwd: SDK, stdio: 'pipe' });
  // then
  const committed = fs.readFileSync(path.join(SDK, 'src', 'generated', 'openapi.ts'), 'utf8');
  const regenerated = fs.readFileSync(fresh, 'utf8');
  const firstDifference = regenerated.split('\n').findIndex((line, i) => line !== committed.split('\n')[i]);
  expect({ stale: regenerated !== committed, firstDifference }).toEqual({ stale: false, firstDifference: -1 });
});
