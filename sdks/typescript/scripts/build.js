'use strict';
// The package's two builds, CommonJS (dist/cjs) and ES modules (dist/esm), each with its type declarations: tsc twice
// from the same sources. No bundler: the output is the sources file for file (readable stack traces, nothing of the
// dependencies inlined), tsc is already the type checker, and tsup is one more toolchain (esbuild's binary) to install
// for what two compiler runs and a marker file per folder do. Each folder's package.json tells Node (and TypeScript
// reading the declarations) which module system its .js and .d.ts files are in.
const { execFileSync } = require('child_process');
const fs = require('fs');
const path = require('path');

const root = path.join(__dirname, '..');
const tsc = path.join(root, 'node_modules', 'typescript', 'bin', 'tsc');
fs.rmSync(path.join(root, 'dist'), { recursive: true, force: true });
for (const [config, type] of [['tsconfig.cjs.json', 'commonjs'], ['tsconfig.esm.json', 'module']]) {
  console.log(`tsc -p ${config}`);
  execFileSync(process.execPath, [tsc, '-p', config], { cwd: root, stdio: 'inherit' });
  const out = path.join(root, 'dist', type === 'module' ? 'esm' : 'cjs');
  fs.writeFileSync(path.join(out, 'package.json'), `${JSON.stringify({ type }, null, 2)}\n`);
}
