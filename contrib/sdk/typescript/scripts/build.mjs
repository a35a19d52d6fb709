#!/usr/bin/env node
// build.mjs - compiles src/ twice with the pinned TypeScript: dist/esm (import) and
// dist/cjs (require), each with its declarations.
import { execFileSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const pkg = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const tsc = createRequire(import.meta.url).resolve('typescript/lib/tsc.js');
rmSync(join(pkg, 'dist'), { recursive: true, force: true });
for (const project of ['tsconfig.json', 'tsconfig.cjs.json']) {
  execFileSync(process.execPath, [tsc, '-p', join(pkg, project)], { cwd: pkg, stdio: 'inherit' });
}
// dist/cjs holds CommonJS although the package is "type": "module".
mkdirSync(join(pkg, 'dist/cjs'), { recursive: true });
writeFileSync(join(pkg, 'dist/cjs/package.json'), '{\n  "type": "commonjs"\n}\n');
console.log('build: dist/esm and dist/cjs written');
