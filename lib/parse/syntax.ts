import { Lexer, type Token } from './lexer';
import { parseError, type ParseError } from './ParseError';

// Program text -> statements of expression trees. Expressions are parsed by
// operator precedence with explicit operand and operator stacks (no
// recursion), so nesting depth is limited only by memory: 300,000 nested
// parentheses parse like one pair.

/** An expression tree; `start`/`end` are offsets into the source. @internal */
export type Expr = NumExpr | NameExpr | NegExpr | BinExpr | SumExpr | CallExpr;

interface Span {
  start: number;
  end: number;
}
/** A number literal. @internal */
export interface NumExpr extends Span {
  readonly kind: 'num';
  readonly value: number;
}
/** A variable: an input, or a name assigned earlier. @internal */
export interface NameExpr extends Span {
  readonly kind: 'name';
  readonly name: string;
}
/** Unary minus. @internal */
export interface NegExpr extends Span {
  readonly kind: 'neg';
  readonly arg: Expr;
}
/** `a - b`, `a * b`, `a / b`. @internal */
export interface BinExpr extends Span {
  readonly kind: 'bin';
  readonly op: '-' | '*' | '/';
  readonly left: Expr;
  readonly right: Expr;
}
/** `a + b + c`: a chain of `+`, flattened into one term list (a parenthesised chain stays one term). @internal */
export interface SumExpr extends Span {
  readonly kind: 'sum';
  readonly terms: Expr[];
  paren: boolean;
}
/** A call of a known function. @internal */
export interface CallExpr extends Span {
  readonly kind: 'call';
  readonly fn: FunctionName;
  /** The function's name as written (`Math.max`). */
  readonly written: string;
  readonly args: readonly Expr[];
}

/** The functions the language knows, by canonical name. @internal */
export type FunctionName = 'max' | 'pow' | 'sig' | 'relu';

const FUNCTIONS: Readonly<Record<string, { readonly fn: FunctionName; readonly min: number; readonly max: number; readonly usage: string }>> = {
  max: { fn: 'max', min: 2, max: Infinity, usage: 'max(a, b, ...)' },
  'Math.max': { fn: 'max', min: 2, max: Infinity, usage: 'Math.max(a, b, ...)' },
  pow: { fn: 'pow', min: 2, max: 2, usage: 'pow(x, k) with a constant k' },
  'Math.pow': { fn: 'pow', min: 2, max: 2, usage: 'Math.pow(x, k) with a constant k' },
  sig: { fn: 'sig', min: 1, max: 1, usage: 'sig(x)' },
  sigmoid: { fn: 'sig', min: 1, max: 1, usage: 'sigmoid(x)' },
  relu: { fn: 'relu', min: 1, max: 1, usage: 'relu(x)' },
};
const FUNCTION_LIST = 'max, Math.max, pow, Math.pow, sig, sigmoid, relu';

/** The names a program may not use for a variable. @internal */
export const RESERVED = new Set(
  ('break case catch class const continue debugger default delete do else enum export extends false finally for function if ' +
    'import in instanceof new null return super switch this throw true try typeof var void while with yield let static ' +
    'implements interface package private protected public await arguments eval undefined NaN Infinity Math')
    .split(' '),
);

/** One statement: `var name = expr` (also `let`, `const`, or no keyword), or a bare expression. @internal */
export interface Statement {
  /** The assigned variable, or `undefined` for a bare expression. */
  readonly target: { readonly name: string; readonly start: number; readonly end: number } | undefined;
  readonly expr: Expr;
}

/** A parsed program: its statements, and where its backward pass starts if it has one (that text is not parsed). @internal */
export interface Program {
  readonly statements: readonly Statement[];
  readonly backward: { readonly start: number; readonly end: number } | undefined;
}

type Result<A> = { readonly ok: true; readonly value: A } | { readonly ok: false; readonly error: ParseError };
const fail = (error: ParseError): { readonly ok: false; readonly error: ParseError } => ({ ok: false, error });
const isError = (t: Token | ParseError): t is ParseError => '_tag' in t;

const DECLARATIONS = new Set(['var', 'let', 'const']);

/**
 * Parses a program into statements. A statement that assigns the gradient of
 * a known variable (`var da = b * dx;`, `dc = 1.0 * dx;`, `da += ...`) starts
 * the program's backward pass: parsing stops there.
 * @internal
 */
export function parseProgram(source: string): Result<Program> {
  const lexer = new Lexer(source);
  const known = new Set<string>();
  const statements: Statement[] = [];
  for (;;) {
    const first = lexer.peek();
    if (isError(first)) return fail(first);
    if (first.kind === 'eof') break;
    if (first.kind === 'op' && first.text === ';') {
      lexer.next();
      continue;
    }
    const declared = first.kind === 'name' && DECLARATIONS.has(first.text);
    const nameTok = lexer.peek(declared ? 1 : 0);
    if (isError(nameTok)) return fail(nameTok);
    const opTok = lexer.peek(declared ? 2 : 1);
    if (isError(opTok)) return fail(opTok);
    let target: Statement['target'];
    if (nameTok.kind === 'name' && opTok.kind === 'op' && (opTok.text === '=' || opTok.text === '+=')) {
      const name = nameTok.text;
      if (opTok.text === '+=' || (name.length > 1 && name.startsWith('d') && known.has(name.slice(1)))) {
        if (opTok.text === '+=' && !(name.startsWith('d') && known.has(name.slice(1)))) {
          return fail(parseError(source, opTok.start, opTok.end, `+= is not supported: assign each variable once (var y = ${name} + ...)`));
        }
        return { ok: true, value: { statements, backward: { start: first.start, end: nameTok.end } } };
      }
      if (RESERVED.has(name) || DECLARATIONS.has(name)) {
        return fail(parseError(source, nameTok.start, nameTok.end, `${name} is a reserved word; choose another name`));
      }
      if (Object.prototype.hasOwnProperty.call(FUNCTIONS, name)) {
        return fail(parseError(source, nameTok.start, nameTok.end, `${name} is a function; choose another name`));
      }
      if (declared) lexer.next();
      lexer.next();
      lexer.next();
      target = { name, start: nameTok.start, end: nameTok.end };
    } else if (declared) {
      const what = nameTok.kind === 'eof' ? 'the end' : JSON.stringify(nameTok.text);
      const at = nameTok.kind === 'name' ? opTok : nameTok;
      const got = at.kind === 'eof' ? 'the end' : JSON.stringify(at.text);
      return fail(
        nameTok.kind === 'name'
          ? parseError(source, at.start, at.end, `expected "=" after ${first.text} ${nameTok.text}, got ${got}`)
          : parseError(source, nameTok.start, nameTok.end, `expected a variable name after ${first.text}, got ${what}`),
      );
    }
    const expr = parseExpression(lexer, source, known);
    if (!expr.ok) return expr;
    if (target !== undefined) known.add(target.name);
    statements.push({ target, expr: expr.value });
    const end = lexer.peek();
    if (isError(end)) return fail(end);
    if (end.kind === 'op' && end.text === ';') lexer.next();
  }
  return { ok: true, value: { statements, backward: undefined } };
}

/** An entry of the operator stack. */
type Pending =
  | { readonly kind: 'binary'; readonly op: '+' | '-' | '*' | '/'; readonly prec: number; readonly tok: Token }
  | { readonly kind: 'unary'; readonly op: '+' | '-'; readonly tok: Token }
  | { readonly kind: 'paren'; readonly tok: Token }
  | { readonly kind: 'call'; readonly name: string; readonly start: number; readonly tok: Token; argc: number; readonly base: number };

const PREC: Readonly<Record<string, number>> = { '+': 1, '-': 1, '*': 2, '/': 2 };

/**
 * Parses one expression, stopping before `;`, the end, or a line break where
 * the expression is complete and no bracket is open (as JavaScript inserts a
 * semicolon). Every name read is added to `known`.
 */
function parseExpression(lexer: Lexer, source: string, known: Set<string>): Result<Expr> {
  const operands: Expr[] = [];
  const ops: Pending[] = [];
  let expectOperand = true;
  let previous: Token | undefined;

  const reduce = (): ParseError | undefined => {
    const top = ops.pop();
    if (top === undefined) return undefined;
    if (top.kind === 'unary') {
      const arg = operands.pop();
      if (arg === undefined) return parseError(source, top.tok.start, top.tok.end, 'internal: missing operand');
      operands.push(top.op === '-' ? { kind: 'neg', arg, start: top.tok.start, end: arg.end } : { ...arg, start: top.tok.start });
      return undefined;
    }
    if (top.kind === 'binary') {
      const right = operands.pop();
      const left = operands.pop();
      if (right === undefined || left === undefined) return parseError(source, top.tok.start, top.tok.end, 'internal: missing operand');
      if (top.op === '+') {
        if (left.kind === 'sum' && !left.paren) {
          left.terms.push(right);
          left.end = right.end;
          operands.push(left);
        } else operands.push({ kind: 'sum', terms: [left, right], paren: false, start: left.start, end: right.end });
      } else operands.push({ kind: 'bin', op: top.op, left, right, start: left.start, end: right.end });
      return undefined;
    }
    return parseError(source, top.tok.start, top.tok.end, `this ${top.kind === 'call' ? `${top.name}(` : '('} is never closed with ")"`);
  };

  /** Pops operators down to the innermost open bracket (not included). */
  const reduceToBracket = (): ParseError | undefined => {
    for (let top = ops[ops.length - 1]; top !== undefined && top.kind !== 'paren' && top.kind !== 'call'; top = ops[ops.length - 1]) {
      const e = reduce();
      if (e !== undefined) return e;
    }
    return undefined;
  };

  let depth = 0;

  for (;;) {
    const tok = lexer.peek();
    if (isError(tok)) return fail(tok);
    if (expectOperand) {
      if (tok.kind === 'num') {
        lexer.next();
        const value = Number(tok.text);
        if (!Number.isFinite(value)) return fail(parseError(source, tok.start, tok.end, `the number ${tok.text} is too large for a double`));
        operands.push({ kind: 'num', value, start: tok.start, end: tok.end });
        expectOperand = false;
      } else if (tok.kind === 'name') {
        if (DECLARATIONS.has(tok.text)) {
          return fail(parseError(source, tok.start, tok.end, `unexpected ${tok.text}: a declaration starts a new statement (end the previous one with ";" or a new line)`));
        }
        lexer.next();
        let name = tok.text;
        let end = tok.end;
        const dot = lexer.peek();
        if (isError(dot)) return fail(dot);
        if (dot.kind === 'op' && dot.text === '.') {
          lexer.next();
          const member = lexer.peek();
          if (isError(member)) return fail(member);
          if (member.kind !== 'name') {
            return fail(parseError(source, member.start, member.end, `expected a function name after ${name}., got ${member.kind === 'eof' ? 'the end' : JSON.stringify(member.text)}`));
          }
          lexer.next();
          name = `${name}.${member.text}`;
          end = member.end;
        }
        const paren = lexer.peek();
        if (isError(paren)) return fail(paren);
        const fn = Object.prototype.hasOwnProperty.call(FUNCTIONS, name) ? FUNCTIONS[name] : undefined;
        if (paren.kind === 'op' && paren.text === '(') {
          if (fn === undefined) return fail(parseError(source, tok.start, end, `unknown function ${name} (the functions are ${FUNCTION_LIST})`));
          lexer.next();
          ops.push({ kind: 'call', name, start: tok.start, tok: paren, argc: 0, base: operands.length });
          depth++;
          previous = paren;
          continue;
        }
        if (fn !== undefined) return fail(parseError(source, tok.start, end, `${name} is a function: call it, as in ${fn.usage}`));
        if (name.includes('.')) return fail(parseError(source, tok.start, end, `unknown name ${name} (the functions are ${FUNCTION_LIST})`));
        if (RESERVED.has(name)) {
          const why = name === 'NaN' || name === 'Infinity' ? 'is not a finite number' : 'is a reserved word, not a variable';
          return fail(parseError(source, tok.start, end, `${name} ${why}`));
        }
        known.add(name);
        operands.push({ kind: 'name', name, start: tok.start, end });
        expectOperand = false;
      } else if (tok.kind === 'op' && tok.text === '(') {
        lexer.next();
        ops.push({ kind: 'paren', tok });
        depth++;
      } else if (tok.kind === 'op' && (tok.text === '-' || tok.text === '+')) {
        lexer.next();
        ops.push({ kind: 'unary', op: tok.text, tok });
      } else if (tok.kind === 'op' && tok.text === ')' && ops[ops.length - 1]?.kind === 'call' && previous?.text === '(') {
        // a call with no arguments: close it, and let the arity check speak
        const call = ops[ops.length - 1];
        if (call?.kind !== 'call') return fail(parseError(source, tok.start, tok.end, 'internal: no call'));
        const e = closeCall(call, tok);
        if (e !== undefined) return fail(e);
        ops.pop();
        depth--;
        lexer.next();
        expectOperand = false;
      } else {
        const got = tok.kind === 'eof' ? 'the end' : tok.text === ';' ? '";"' : JSON.stringify(tok.text);
        const reason =
          previous === undefined
            ? `expected an expression, got ${got}`
            : `expected a number, a name or "(" after ${JSON.stringify(previous.text)}, got ${got}`;
        return fail(parseError(source, tok.start, tok.end, reason));
      }
      previous = tok;
      continue;
    }

    // an operand is complete: an operator, a closing bracket, a comma, or the end
    const ends = tok.kind === 'eof' || (tok.kind === 'op' && tok.text === ';') || (tok.newline && depth === 0 && !(tok.kind === 'op' && tok.text in PREC));
    if (ends) {
      if (depth > 0) {
        const bracket = [...ops].reverse().find((p) => p.kind === 'paren' || p.kind === 'call');
        const start = bracket?.kind === 'call' ? bracket.start : (bracket?.tok.start ?? tok.start);
        const text = bracket?.kind === 'call' ? `${bracket.name}(` : '(';
        return fail(parseError(source, start, start + text.length, `this ${text} is never closed with ")"`));
      }
      while (ops.length > 0) {
        const e = reduce();
        if (e !== undefined) return fail(e);
      }
      const result = operands.pop();
      if (result === undefined || operands.length > 0) return fail(parseError(source, tok.start, tok.end, 'internal: unbalanced expression'));
      return { ok: true, value: result };
    }
    if (tok.kind === 'op' && tok.text in PREC) {
      const op = tok.text as '+' | '-' | '*' | '/';
      const prec = PREC[op] ?? 0;
      for (let top = ops[ops.length - 1]; top !== undefined && (top.kind === 'unary' || (top.kind === 'binary' && top.prec >= prec)); top = ops[ops.length - 1]) {
        const e = reduce();
        if (e !== undefined) return fail(e);
      }
      lexer.next();
      ops.push({ kind: 'binary', op, prec, tok });
      expectOperand = true;
      previous = tok;
      continue;
    }
    if (tok.kind === 'op' && (tok.text === ')' || tok.text === ',')) {
      const e = reduceToBracket();
      if (e !== undefined) return fail(e);
      const top = ops[ops.length - 1];
      if (top === undefined) {
        return fail(parseError(source, tok.start, tok.end, tok.text === ')' ? 'this ")" has no matching "("' : 'unexpected ",": commas separate the arguments of a function call'));
      }
      lexer.next();
      previous = tok;
      if (top.kind === 'paren') {
        if (tok.text === ',') return fail(parseError(source, tok.start, tok.end, 'unexpected ",": commas separate the arguments of a function call'));
        ops.pop();
        depth--;
        const inner = operands[operands.length - 1];
        if (inner?.kind === 'sum') inner.paren = true;
        if (inner !== undefined) {
          // the parenthesised expression spans its brackets
          operands[operands.length - 1] = { ...inner, start: top.tok.start, end: tok.end };
        }
        continue;
      }
      if (top.kind === 'call') {
        top.argc++;
        if (tok.text === ',') {
          expectOperand = true;
          continue;
        }
        const e2 = closeCall(top, tok);
        if (e2 !== undefined) return fail(e2);
        ops.pop();
        depth--;
      }
      continue;
    }
    const got = JSON.stringify(tok.text);
    if (tok.kind === 'op' && (tok.text === '=' || tok.text === '+=')) {
      return fail(parseError(source, tok.start, tok.end, `unexpected ${got}: only a variable can be assigned, as in var x = a * b`));
    }
    return fail(parseError(source, tok.start, tok.end, `expected an operator (+ - * /) or the end of the statement, got ${got}`));
  }

  /** Replaces a call's arguments on the operand stack by the call, checking how many it takes. */
  function closeCall(call: Extract<Pending, { kind: 'call' }>, close: Token): ParseError | undefined {
    const fn = FUNCTIONS[call.name];
    if (fn === undefined) return parseError(source, call.start, call.tok.end, `unknown function ${call.name}`);
    const n = call.argc;
    if (n < fn.min || n > fn.max) {
      const want = fn.min === fn.max ? `${String(fn.min)} argument${fn.min === 1 ? '' : 's'}` : `at least ${String(fn.min)} arguments`;
      return parseError(source, call.start, close.end, `${call.name} takes ${want}, got ${String(n)}: ${fn.usage}`);
    }
    const args = operands.splice(call.base, n);
    operands.push({ kind: 'call', fn: fn.fn, written: call.name, args, start: call.start, end: close.end });
    return undefined;
  }
}
