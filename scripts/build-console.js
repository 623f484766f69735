// The operator console (apps/console) into dist/console: its TypeScript bundled by esbuild into one script, beside its
// one page and one style sheet, which the embedded process and the front door serve at /console. Its types are
// checked before (`tsc -p apps/console/tsconfig.json` in `npm run build`): esbuild only strips them.
const fs = require('fs');
const path = require('path');
const esbuild = require('esbuild');

const root = path.join(__dirname, '..');
const source = path.join(root, 'apps', 'console', 'src');
const out = path.join(root, 'dist', 'console');

fs.rmSync(out, { recursive: true, force: true });
fs.mkdirSync(out, { recursive: true });
esbuild
  .build({
    entryPoints: [path.join(source, 'main.ts')],
    outfile: path.join(out, 'console.js'),
    bundle: true,
    // One classic script, run after the page is parsed (`defer`): no module loader, nothing inline.
    format: 'iife',
    target: 'es2022',
    minify: true,
    sourcemap: false,
    legalComments: 'none',
    logLevel: 'warning',
  })
  .then(() => {
    for (const file of ['index.html', 'console.css']) fs.copyFileSync(path.join(source, file), path.join(out, file));
  })
  .catch(() => process.exit(1));
