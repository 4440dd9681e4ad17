#!/usr/bin/env node
// The `backprop` command: grad, check, code, graph and json for an expression,
// a chapter-style program or a circuit file. `main` returns the exit status and
// writes only through `io`, so specs run it in-process; every mistake is one
// short message on stderr and a non-zero status, never a stack trace.
import * as fs from 'node:fs';
import * as E from 'fp-ts/Either';
import type { Backward, Circuit, Forward, Wire } from '../Circuit';
import { printBackprop, printBackpropFunction } from '../emit';
import { gradcheck } from '../gradcheck';
import { decodeInputs } from '../inputs';
import { formatGradcheck, formatTrace } from '../trace';
import { decodeCircuit, encodeCircuit } from '../format/circuitFile';
import { circuitToDot, circuitToMermaid, circuitToSvg } from '../graph/graph';
import { parseCircuit } from '../parse/parseCircuit';
import { GENERAL, HELP, type Command } from './help';

/** Where the command line reads and writes: the process, or a spec's buffers. */
export interface CliIo {
  /** Writes to standard output. */
  readonly stdout: (text: string) => void;
  /** Writes to standard error. */
  readonly stderr: (text: string) => void;
  /** Reads a whole file as UTF-8 text; throws a Node.js file-system error. */
  readonly readFile: (path: string) => string;
  /** Writes a whole file; throws a Node.js file-system error. */
  readonly writeFile: (path: string, text: string) => void;
  /** Reads all of standard input. */
  readonly readStdin: () => string;
}

/** The process's own streams and files. */
export const nodeIo: CliIo = {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  readFile: (path) => fs.readFileSync(path, 'utf8'),
  writeFile: (path, text) => {
    fs.writeFileSync(path, text);
  },
  readStdin: () => fs.readFileSync(0, 'utf8'),
};

/** Exit statuses. */
const OK = 0;
const CHECK_FAILED = 1;
const MISTAKE = 2;
const INTERNAL = 70;

const COMMANDS: readonly Command[] = ['grad', 'check', 'code', 'graph', 'json'];
const isCommand = (s: string): s is Command => (COMMANDS as readonly string[]).includes(s);

type Option = 'upstream' | 'json' | 'file' | 'circuit' | 'lang' | 'function' | 'format' | 'output';
const FLAGS: ReadonlySet<Option> = new Set<Option>(['json', 'function']);
const ALLOWED: Readonly<Record<Command, readonly Option[]>> = {
  grad: ['upstream', 'json', 'file', 'circuit'],
  check: ['json', 'file', 'circuit'],
  code: ['lang', 'upstream', 'function', 'file', 'circuit'],
  graph: ['format', 'output', 'upstream', 'file', 'circuit'],
  json: ['output', 'file', 'circuit'],
};
const SHORT: Readonly<Record<string, Option>> = { '-o': 'output', '-f': 'file' };
const spell = (o: Option): string => (o === 'output' ? '-o' : `--${o}`);

/** A user mistake: the message to print, and the status to exit with. */
class Mistake extends Error {
  constructor(
    message: string,
    readonly status = MISTAKE,
  ) {
    super(message);
  }
}

interface Parsed {
  readonly options: Partial<Record<Option, string>>;
  readonly positionals: readonly string[];
  readonly help: boolean;
}

function parseArgs(command: Command, args: readonly string[]): Parsed {
  const options: Partial<Record<Option, string>> = {};
  const positionals: string[] = [];
  let help = false;
  let rest = false;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] ?? '';
    if (rest) {
      positionals.push(arg);
      continue;
    }
    if (arg === '--') {
      rest = true;
      continue;
    }
    if (arg === '--help' || arg === '-h') {
      help = true;
      continue;
    }
    const eq = arg.indexOf('=');
    const head = eq === -1 ? arg : arg.slice(0, eq);
    let option: Option | undefined;
    if (arg.startsWith('--')) {
      const name = head.slice(2);
      option = (ALLOWED[command] as readonly string[]).includes(name) ? (name as Option) : undefined;
      if (option === undefined) {
        throw new Mistake(`unknown option ${head} (the options of backprop ${command} are ${ALLOWED[command].map(spell).join(', ')}, --help)`);
      }
    } else if (Object.prototype.hasOwnProperty.call(SHORT, head)) {
      option = SHORT[head];
      if (option === undefined || !ALLOWED[command].includes(option)) {
        throw new Mistake(`unknown option ${head} (the options of backprop ${command} are ${ALLOWED[command].map(spell).join(', ')}, --help)`);
      }
    }
    if (option === undefined) {
      positionals.push(arg);
      continue;
    }
    if (options[option] !== undefined) throw new Mistake(`${spell(option)} is given twice`);
    if (FLAGS.has(option)) {
      if (eq !== -1) throw new Mistake(`${spell(option)} takes no value, got ${JSON.stringify(arg)}`);
      options[option] = 'true';
      continue;
    }
    const value = eq === -1 ? args[++i] : arg.slice(eq + 1);
    if (value === undefined || value === '') {
      const example = option === 'upstream' ? '--upstream=2' : option === 'lang' ? '--lang=ts' : option === 'format' ? '--format=dot' : `${spell(option)} FILE`;
      throw new Mistake(`${spell(option)} needs a value, as in ${example}`);
    }
    options[option] = value;
  }
  return { options, positionals, help };
}

const NUMBER = /^[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?$/;
const NON_FINITE: Readonly<Record<string, number>> = { NaN: NaN, Infinity: Infinity, '+Infinity': Infinity, '-Infinity': -Infinity };
const NAME = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

/** A number from the command line, or the text itself (so the message can quote it). */
function numberOf(text: string): number | string {
  if (NUMBER.test(text)) return Number(text);
  return Object.prototype.hasOwnProperty.call(NON_FINITE, text) ? (NON_FINITE[text] ?? NaN) : text;
}

/** The circuit to work on, with its output as its last wire. */
interface Source {
  readonly circuit: Circuit;
  readonly output: Wire;
  readonly note: string | undefined;
}

function readText(io: CliIo, path: string): string {
  try {
    return path === '-' ? io.readStdin() : io.readFile(path);
  } catch (e) {
    const code = (e as { readonly code?: unknown }).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'it is a directory' : code === 'EACCES' ? 'permission denied' : e instanceof Error ? e.message : String(e);
    throw new Mistake(`cannot read ${path === '-' ? 'standard input' : path}: ${why}`);
  }
}

function loadSource(io: CliIo, command: Command, parsed: Parsed): { source: Source; values: readonly string[] } {
  const { options, positionals } = parsed;
  if (options.file !== undefined && options.circuit !== undefined) throw new Mistake('give --file or --circuit, not both');
  let values = positionals;
  if (options.circuit !== undefined) {
    const path = options.circuit;
    const text = readText(io, path);
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (e) {
      throw new Mistake(`${path} is not valid JSON: ${e instanceof Error ? e.message : String(e)}`);
    }
    const decoded = decodeCircuit(json);
    if (E.isLeft(decoded)) throw new Mistake(`${path}: ${decoded.left.message}`);
    const { circuit, outputs } = decoded.right;
    const [output] = outputs;
    if (output === undefined || outputs.length > 1) {
      throw new Mistake(`${path}: outputs: backprop differentiates one output, this file has ${String(outputs.length)} (${outputs.map((w) => w.name).join(', ')})`);
    }
    return { source: lastWire(circuit, output), values };
  }
  let program: string;
  let origin = '';
  if (options.file !== undefined) {
    program = readText(io, options.file);
    origin = options.file === '-' ? 'standard input, ' : `${options.file}, `;
  } else {
    const [expr, ...rest] = positionals;
    if (expr === undefined) throw new Mistake(`the expression is missing, as in backprop ${command} 'a * b'${command === 'code' || command === 'json' ? '' : ' a=1 b=2'}`);
    if (/^[A-Za-z_$][A-Za-z0-9_$]*=/.test(expr) && NUMBER.test(expr.slice(expr.indexOf('=') + 1))) {
      throw new Mistake(`the expression is missing: ${JSON.stringify(expr)} is an input value; put the expression first, as in backprop ${command} 'a * b' a=1 b=2`);
    }
    program = expr === '-' ? readText(io, '-') : expr;
    if (expr === '-') origin = 'standard input, ';
    values = rest;
  }
  const result = parseCircuit(program);
  if (E.isLeft(result)) throw new Mistake(`${origin}${result.left.message}`);
  const { circuit, output, backward } = result.right;
  const note =
    backward === undefined
      ? undefined
      : `note: the program's own backward pass (from line ${String(backward.line)}, column ${String(backward.column)}) is not read; backprop computes the gradients itself\n`;
  return { source: { circuit, output, note }, values };
}

/** The circuit cut after `output`, so that its output is its last wire. */
function lastWire(circuit: Circuit, output: Wire): Source {
  if (output.index === circuit.size - 1) return { circuit, output, note: undefined };
  const file = encodeCircuit(circuit, [output]);
  if (E.isLeft(file)) throw new Mistake(file.left.message);
  const keep = output.index + 1 - circuit.inputNames.length;
  const cut = decodeCircuit({ ...file.right, gates: file.right.gates.slice(0, Math.max(0, keep)) });
  if (E.isLeft(cut)) throw new Mistake(cut.left.message);
  const out = cut.right.circuit.output;
  if (out === undefined) throw new Mistake('the circuit is empty');
  return { circuit: cut.right.circuit, output: out, note: undefined };
}

/** The input values `name=value ...`, checked against the circuit's inputs. */
function inputValues(circuit: Circuit, args: readonly string[], command: Command): Record<string, number> {
  const given: Record<string, number | string> = {};
  for (const arg of args) {
    const eq = arg.indexOf('=');
    const name = eq === -1 ? arg : arg.slice(0, eq);
    if (eq === -1 || !NAME.test(name)) {
      throw new Mistake(`unexpected argument ${JSON.stringify(arg)}: input values are written name=value, and the expression goes in quotes, as in backprop ${command} 'a * b' a=1 b=2`);
    }
    if (Object.prototype.hasOwnProperty.call(given, name)) throw new Mistake(`input ${name} is given twice`);
    const text = arg.slice(eq + 1);
    if (text === '') throw new Mistake(`input ${name} has no value: write ${name}=1`);
    given[name] = numberOf(text);
  }
  const decoded = decodeInputs(circuit.inputNames, given);
  if (E.isLeft(decoded)) throw new Mistake(decoded.left.message);
  return { ...decoded.right };
}

function upstreamOf(options: Parsed['options']): number {
  const text = options.upstream;
  if (text === undefined) return 1;
  const x = numberOf(text);
  if (typeof x !== 'number' || !Number.isFinite(x)) throw new Mistake(`--upstream must be a finite number, got ${JSON.stringify(text)}`);
  return x;
}

function orMistake<A>(r: E.Either<{ readonly message: string }, A>): A {
  if (E.isLeft(r)) throw new Mistake(r.left.message);
  return r.right;
}

function passes(circuit: Circuit, point: Record<string, number>, upstream: number): { fwd: Forward; bwd: Backward } {
  const fwd = orMistake(circuit.forward(point));
  const bwd = orMistake(circuit.backward(fwd, upstream));
  return { fwd, bwd };
}

const json = (x: unknown): string => `${JSON.stringify(x)}\n`;

async function run(command: Command, parsed: Parsed, io: CliIo): Promise<number> {
  const { options } = parsed;
  const { source, values } = loadSource(io, command, parsed);
  const { circuit, output } = source;
  const quiet = options.json !== undefined;
  if (source.note !== undefined && !quiet) io.stderr(source.note);
  switch (command) {
    case 'grad': {
      const point = inputValues(circuit, values, command);
      const { fwd, bwd } = passes(circuit, point, upstreamOf(options));
      if (quiet) io.stdout(json({ value: fwd.value(output), gradients: bwd.inputs() }));
      else io.stdout(`${formatTrace(fwd, bwd)}\n`);
      return OK;
    }
    case 'check': {
      const point = inputValues(circuit, values, command);
      const report = orMistake(gradcheck(circuit, point));
      if (quiet) {
        io.stdout(json({ ok: report.ok, kinks: report.kinks, value: report.output, step: report.step, rtol: report.rtol, atol: report.atol, checks: report.checks }));
      } else io.stdout(`${formatGradcheck(report)}\n`);
      return report.ok ? OK : CHECK_FAILED;
    }
    case 'code': {
      if (values.length > 0) throw new Mistake(`unexpected argument ${JSON.stringify(values[0])}: backprop code takes no input values`);
      const lang = options.lang ?? 'js';
      if (lang !== 'js' && lang !== 'ts') throw new Mistake(`--lang must be js or ts, got ${JSON.stringify(lang)}`);
      const print = { lang, upstream: upstreamOf(options) } as const;
      io.stdout(options.function === undefined ? printBackprop(circuit, print) : printBackpropFunction(circuit, print));
      return OK;
    }
    case 'graph': {
      const format = options.format ?? formatFromFile(options.output) ?? 'svg';
      if (format !== 'svg' && format !== 'dot' && format !== 'mermaid') throw new Mistake(`--format must be svg, dot or mermaid, got ${JSON.stringify(format)}`);
      let drawing = {};
      if (values.length > 0 || circuit.inputNames.length === 0 || options.upstream !== undefined) {
        const { fwd, bwd } = passes(circuit, inputValues(circuit, values, command), upstreamOf(options));
        drawing = { forward: fwd, backward: bwd };
      }
      const text = format === 'dot' ? circuitToDot(circuit, drawing) : format === 'mermaid' ? circuitToMermaid(circuit, drawing) : await circuitToSvg(circuit, drawing);
      write(io, options.output, text.endsWith('\n') ? text : `${text}\n`, command);
      return OK;
    }
    case 'json': {
      if (values.length > 0) throw new Mistake(`unexpected argument ${JSON.stringify(values[0])}: backprop json takes no input values`);
      const file = orMistake(encodeCircuit(circuit, [output]));
      write(io, options.output, `${JSON.stringify(file, null, 2)}\n`, command);
      return OK;
    }
  }
}

function formatFromFile(path: string | undefined): string | undefined {
  if (path === undefined) return undefined;
  const ext = /\.([A-Za-z]+)$/.exec(path)?.[1]?.toLowerCase();
  return ext === 'dot' || ext === 'gv' ? 'dot' : ext === 'mmd' || ext === 'mermaid' ? 'mermaid' : ext === 'svg' ? 'svg' : undefined;
}

function write(io: CliIo, path: string | undefined, text: string, command: Command): void {
  if (path === undefined || path === '-') {
    io.stdout(text);
    return;
  }
  try {
    io.writeFile(path, text);
  } catch (e) {
    const code = (e as { readonly code?: unknown }).code;
    const why = code === 'ENOENT' ? 'no such directory' : code === 'EISDIR' ? 'it is a directory' : code === 'EACCES' ? 'permission denied' : e instanceof Error ? e.message : String(e);
    throw new Mistake(`cannot write ${path}: ${why}`);
  }
  io.stderr(`backprop ${command}: wrote ${path}\n`);
}

/**
 * Runs the `backprop` command with `argv` (without `node` and the script)
 * and returns the exit status: 0 done, 1 a gradient check failed, 2 a
 * mistake in the command or its input (one message on stderr).
 */
export async function main(argv: readonly string[], io: CliIo = nodeIo): Promise<number> {
  const [first, ...args] = argv;
  if (first === undefined) {
    io.stderr(GENERAL);
    return MISTAKE;
  }
  if (first === '--help' || first === '-h' || first === 'help') {
    const topic = args[0];
    if (topic !== undefined && isCommand(topic)) io.stdout(HELP[topic]);
    else if (topic !== undefined) {
      io.stderr(`backprop: unknown command ${JSON.stringify(topic)} (the commands are ${COMMANDS.join(', ')})\n`);
      return MISTAKE;
    } else io.stdout(GENERAL);
    return OK;
  }
  if (!isCommand(first)) {
    const hint = first.startsWith('-') ? 'the command comes first' : `the commands are ${COMMANDS.join(', ')}`;
    io.stderr(`backprop: unknown command ${JSON.stringify(first)} (${hint}; run backprop --help)\n`);
    return MISTAKE;
  }
  try {
    const parsed = parseArgs(first, args);
    if (parsed.help) {
      io.stdout(HELP[first]);
      return OK;
    }
    return await run(first, parsed, io);
  } catch (e) {
    if (e instanceof Mistake) {
      io.stderr(`backprop ${first}: ${e.message}\n`);
      return e.status;
    }
    // not a user mistake: still no stack trace, but say so
    io.stderr(`backprop ${first}: internal error: ${e instanceof Error ? e.message : String(e)} (please report it)\n`);
    return INTERNAL;
  }
}

if (require.main === module) {
  // a closed pipe (backprop code ... | head -1) is not an error
  process.stdout.on('error', (e: Error & { readonly code?: unknown }) => {
    if (e.code !== 'EPIPE') throw e;
  });
  void main(process.argv.slice(2)).then((status) => {
    process.exitCode = status;
  });
}
