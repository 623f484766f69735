// tsc does not rewrite the @mandate/* path aliases, so the build links each library where Node's resolver looks:
// dist/node_modules/@mandate/<lib> -> dist/libs/<lib>/src. No runtime loader, no bundler.
const fs = require('fs');
const path = require('path');
const dist = path.join(__dirname, '..', 'dist');
const scope = path.join(dist, 'node_modules', '@mandate');
fs.mkdirSync(scope, { recursive: true });
for (const lib of fs.readdirSync(path.join(__dirname, '..', 'libs'))) {
  const link = path.join(scope, lib);
  fs.rmSync(link, { force: true, recursive: true });
  fs.symlinkSync(path.join('..', '..', 'libs', lib, 'src'), link, 'dir');
}
