// The ```typescript blocks of docs/testing.md import from 'backprop-ninja/testing', which
// spec/docs.spec.ts does not map to the local library (it runs the ```ts blocks, with
// 'backprop-ninja' only). This runs them here, with both imports pointing at lib/, so
// the page cannot drift from the toolkit. Blocks hold their own assertions.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import * as vm from 'node:vm';
import ts from 'typescript';

const ROOT = join(__dirname, '..', '..');
const PAGE = join(ROOT, 'docs', 'testing.md');

/** The ```typescript blocks of the page, with the line each starts at. */
function blocks(): { line: number; code: string }[] {
  const lines = readFileSync(PAGE, 'utf8').split('\n');
  const out: { line: number; code: string }[] = [];
  for (let i = 0; i < lines.length; i++) {
    if (lines[i]?.trim() !== '```typescript') continue;
    let end = i + 1;
    while (end < lines.length && lines[end]?.trim() !== '```') end++;
    out.push({ line: i + 2, code: lines.slice(i + 1, end).join('\n') });
    i = end;
  }
  return out;
}

function run(code: string, line: number): void {
  const local = code
    .replace(/from\s+'backprop-ninja\/testing'/g, `from ${JSON.stringify(join(ROOT, 'lib', 'testing', 'index'))}`)
    .replace(/from\s+'backprop-ninja'/g, `from ${JSON.stringify(join(ROOT, 'lib', 'index'))}`);
  const js = ts.transpileModule(`${local}\nexport {};\n`, {
    compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true },
  }).outputText;
  const fn = vm.runInThisContext(`(function (exports, require, module) {${js}\n})`, {
    filename: `${PAGE} (typescript block at line ${String(line)}, transpiled)`,
  }) as (...args: unknown[]) => void;
  const module = { exports: {} };
  fn(module.exports, createRequire(join(ROOT, 'spec', 'testing', 'docs.spec.ts')), module);
}

describe('docs/testing.md', () => {
  const found = blocks();
  it('has typescript blocks to run', () => {
    if (found.length < 2) throw new Error(`expected the examples of docs/testing.md, found ${String(found.length)} blocks`);
  });
  for (const { line, code } of found) {
    it(`runs the block at docs/testing.md:${String(line)}`, () => {
      run(code, line);
    });
  }
});
