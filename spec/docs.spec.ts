// Every ```ts block of README.md and docs/*.md is type-checked and run, with
// `from 'backprop-ninja'` pointing at the local library, so a doc cannot
// drift from the code. Blocks hold their own assertions (node:assert).
import { expect } from 'chai';
import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, relative } from 'node:path';
import * as vm from 'node:vm';
import ts from 'typescript';

const ROOT = join(__dirname, '..');
const LIB = join(ROOT, 'lib', 'index');

interface Block {
  /** The markdown file, relative to the repository root. */
  readonly file: string;
  /** The 1-based line of the block's first line of code. */
  readonly line: number;
  readonly code: string;
}

/** The ```ts blocks of one markdown file. */
function blocksOf(path: string): Block[] {
  const lines = readFileSync(path, 'utf8').split('\n');
  const blocks: Block[] = [];
  for (let i = 0; i < lines.length; i++) {
    if (lines[i]?.trim() !== '```ts') continue;
    const start = i + 1;
    let end = start;
    while (end < lines.length && lines[end]?.trim() !== '```') end++;
    blocks.push({ file: relative(ROOT, path), line: start + 1, code: lines.slice(start, end).join('\n') });
    i = end;
  }
  return blocks;
}

const FILES = [join(ROOT, 'README.md'), ...readdirSync(join(ROOT, 'docs')).filter((f) => f.endsWith('.md')).sort().map((f) => join(ROOT, 'docs', f))];
const BLOCKS = FILES.flatMap(blocksOf);

/** The block's code with the package name replaced by the local library; a module either way. */
function localised(code: string): string {
  return `${code.replace(/from\s+'backprop-ninja'/g, `from ${JSON.stringify(LIB)}`)}\nexport {};\n`;
}

/** Runs one block as a CommonJS module; what it logs is returned instead of printed. */
function run(block: Block): string[] {
  const js = ts.transpileModule(localised(block.code), {
    compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true },
    fileName: block.file,
  }).outputText;
  const logged: string[] = [];
  const quiet = { ...console, log: (...xs: unknown[]) => logged.push(xs.map(String).join(' ')) };
  const fn = vm.runInThisContext(`(function (exports, require, module, __filename, __dirname, console) {${js}\n})`, {
    // Lines in a stack trace count in the transpiled block, which starts with a few helper lines.
    filename: `${join(ROOT, block.file)} (ts block at line ${String(block.line)}, transpiled)`,
  }) as (...args: unknown[]) => void;
  const module = { exports: {} };
  fn(module.exports, createRequire(join(ROOT, 'spec', 'docs.spec.ts')), module, join(ROOT, block.file), ROOT, quiet);
  return logged;
}

describe('the docs', () => {
  it('have code blocks to run in the README and in every docs page (but the generated benchmark tables)', () => {
    const generated = (file: string): boolean => readFileSync(file, 'utf8').includes('<!-- Written by `npm run bench');
    for (const file of FILES.filter((f) => !generated(f))) expect(BLOCKS.some((b) => b.file === relative(ROOT, file)), file).to.equal(true);
  });

  it('README starts with what the library is for, then exactly the two commands', () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    const fence = readme.indexOf('```');
    const before = readme.slice(0, fence).trim().split('\n\n');
    expect(before[0]).to.match(/^# backprop-ninja$/);
    expect(before.slice(1).join(' ').split(/(?<=\.)\s+/)).to.have.length(2);
    const end = readme.indexOf('```', fence + 3);
    expect(readme.slice(fence, end + 3)).to.equal('```sh\nnpm install && npm start\nnpm test\n```');
  });

  it('type-check every ```ts block against the library', function () {
    this.timeout(120000);
    const config = ts.getParsedCommandLineOfConfigFile(join(ROOT, 'tsconfig.json'), {}, {
      ...ts.sys,
      onUnRecoverableConfigFileDiagnostic: (d) => {
        throw new Error(ts.flattenDiagnosticMessageText(d.messageText, '\n'));
      },
    });
    if (config === undefined) throw new Error('cannot read tsconfig.json');
    const options: ts.CompilerOptions = { ...config.options, noEmit: true, noUnusedLocals: false };
    const virtual = new Map<string, Block>();
    BLOCKS.forEach((b, k) => virtual.set(join(ROOT, 'spec', `__doc_block_${String(k)}.ts`), b));
    const host = ts.createCompilerHost(options);
    const getSourceFile = host.getSourceFile.bind(host);
    host.getSourceFile = (name, language, ...rest) => {
      const block = virtual.get(name);
      return block === undefined ? getSourceFile(name, language, ...rest) : ts.createSourceFile(name, localised(block.code), language);
    };
    const fileExists = host.fileExists.bind(host);
    host.fileExists = (name) => virtual.has(name) || fileExists(name);
    const program = ts.createProgram([...virtual.keys()], options, host);
    const problems: string[] = [];
    for (const [name, block] of virtual) {
      const source = program.getSourceFile(name);
      for (const d of ts.getPreEmitDiagnostics(program, source)) {
        const line = d.file !== undefined && d.start !== undefined ? d.file.getLineAndCharacterOfPosition(d.start).line : 0;
        problems.push(`${block.file}:${String(block.line + line)}: ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`);
      }
    }
    expect(problems).to.deep.equal([]);
  });

  for (const block of BLOCKS) {
    it(`runs the block at ${block.file}:${String(block.line)}`, () => {
      try {
        run(block);
      } catch (e) {
        const message = e instanceof Error ? (e.stack ?? e.message) : String(e);
        throw new Error(`the ts block at ${block.file}:${String(block.line)} threw: ${message}`, { cause: e });
      }
    });
  }
});
