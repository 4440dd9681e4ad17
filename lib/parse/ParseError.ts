/**
 * A mistake in an expression or program given to {@link parseCircuit}: where
 * it is (1-based line and column), what is wrong, and the offending line with
 * a caret under the offending text. `message` is all of it, ready to print:
 *
 * ```
 * line 1, column 5: expected a number, a name or "(", got ")"
 *   a * )
 *       ^
 * ```
 *
 * @example
 * ```ts
 * const r = parseCircuit('a * )');
 * if (E.isLeft(r)) console.log(r.left.line, r.left.column); // 1 5
 * ```
 */
export interface ParseError {
  /** Discriminates this error from the circuit's errors. */
  readonly _tag: 'ParseError';
  /** What is wrong, without the position, e.g. `unknown function tanh`. */
  readonly reason: string;
  /** The 1-based line of the offending text. */
  readonly line: number;
  /** The 1-based column of the offending text (in UTF-16 code units). */
  readonly column: number;
  /** The offending source line and a line with carets under the offending text. */
  readonly excerpt: string;
  /** `line L, column C: reason`, then the excerpt. */
  readonly message: string;
}

/**
 * Where a piece of source text is: 1-based line and column.
 *
 * @example
 * ```ts
 * const start: SourcePosition = { line: 3, column: 1 };
 * ```
 */
export interface SourcePosition {
  /** The 1-based line. */
  readonly line: number;
  /** The 1-based column, in UTF-16 code units. */
  readonly column: number;
}

/** The 1-based line and column of `offset` in `source`. @internal */
export function positionOf(source: string, offset: number): SourcePosition {
  let line = 1;
  let lineStart = 0;
  for (let i = source.indexOf('\n'); i !== -1 && i < offset; i = source.indexOf('\n', i + 1)) {
    line++;
    lineStart = i + 1;
  }
  return { line, column: offset - lineStart + 1 };
}

/**
 * The error for the text `source[start, end)`: its position, and the line
 * with carets under it (at least one; at most to the end of the line).
 * @internal
 */
export function parseError(source: string, start: number, end: number, reason: string): ParseError {
  const at = Math.max(0, Math.min(start, source.length));
  const { line, column } = positionOf(source, at);
  const lineStart = at - (column - 1);
  let lineEnd = source.indexOf('\n', lineStart);
  if (lineEnd === -1) lineEnd = source.length;
  const text = source.slice(lineStart, lineEnd).replace(/\r$/, '');
  const shown = text.length > 200 ? clip(text, column - 1) : { text, offset: column - 1 };
  const width = Math.max(1, Math.min(end, lineStart + text.length) - at);
  // keep tabs under tabs so the caret lines up in a terminal
  const pad = shown.text.slice(0, shown.offset).replace(/[^\t]/g, ' ');
  const excerpt = `  ${shown.text}\n  ${pad}${'^'.repeat(Math.min(width, Math.max(1, shown.text.length - shown.offset)))}`;
  return { _tag: 'ParseError', reason, line, column, excerpt, message: `line ${String(line)}, column ${String(column)}: ${reason}\n${excerpt}` };
}

/** A window of about 80 characters of a long line around `offset`. */
function clip(text: string, offset: number): { text: string; offset: number } {
  const from = Math.max(0, offset - 40);
  const to = Math.min(text.length, offset + 40);
  const head = from > 0 ? '...' : '';
  return { text: `${head}${text.slice(from, to)}${to < text.length ? '...' : ''}`, offset: head.length + offset - from };
}
