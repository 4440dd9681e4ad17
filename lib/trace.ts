import type { Backward, Forward, GradcheckReport } from './index';

// A learner's view of a circuit: every wire with its value and gradient, as
// rows and as a text table. A client of the public API only (see index.ts).

/**
 * One wire of a circuit in a {@link traceTable}: the chapter's variable
 * (`x1`), how it is computed, its value in the forward pass and its gradient
 * in the backward pass (the chapter's `dx1`).
 *
 * @example
 * ```ts
 * const row: TraceRow = { wire: 'x', expression: 'multiply(a, b)', value: -6, gradient: 1 };
 * ```
 */
export interface TraceRow {
  /** The wire's name, e.g. `x1`, or `w5` for an unnamed wire. */
  readonly wire: string;
  /**
   * How the wire is computed: the right-hand side of
   * {@link Circuit.describe}, e.g. `multiply(a, b)`, `pow(x2, 2)`, `1` for
   * a constant, or `input`.
   */
  readonly expression: string;
  /** The wire's value in the forward pass. */
  readonly value: number;
  /** The wire's gradient in the backward pass, or `undefined` when no backward pass was given. */
  readonly gradient: number | undefined;
}

/**
 * Options of {@link formatTrace} and {@link formatGradcheck}.
 *
 * @example
 * ```ts
 * const precise: FormatOptions = { digits: 12 };
 * ```
 */
export interface FormatOptions {
  /** Significant digits shown for values and gradients. Default `6`; errors always show 3. */
  readonly digits?: number;
}

/**
 * The wires of a circuit, in order (inputs first, then each gate after the
 * wires it reads), each with its expression, its value in `forward` and,
 * when `backward` is given, its gradient.
 *
 * @param forward - a forward pass of the circuit.
 * @param backward - optionally, a backward pass that went through `forward`.
 *
 * @example
 * ```ts
 * const c = new Circuit();
 * const [a, b] = c.inputs('a', 'b');
 * c.mul(a, b, 'x');
 * const fwd = orThrow(c.forward({ a: 2, b: -3 }));
 * const rows = traceTable(fwd, orThrow(c.backward(fwd)));
 * rows[2]; // { wire: 'x', expression: 'multiply(a, b)', value: -6, gradient: 1 }
 * rows[0]; // { wire: 'a', expression: 'input', value: 2, gradient: -3 }
 * ```
 */
export function traceTable(forward: Forward, backward?: Backward): TraceRow[] {
  const circuit = forward.circuit;
  const rows: TraceRow[] = [];
  for (let i = 0; i < forward.size; i++) {
    const node = circuit.node(i);
    const described = circuit.describe(i);
    const prefix = `${node.name} = `;
    const expression = node.gate === undefined ? 'input' : described.startsWith(prefix) ? described.slice(prefix.length) : described;
    rows.push({
      wire: node.name,
      expression,
      value: forward.values[i] ?? NaN,
      gradient: backward === undefined ? undefined : (backward.gradients[i] ?? NaN),
    });
  }
  return rows;
}

/**
 * Renders a forward pass (and optionally a backward pass) as an aligned text
 * table, one line per wire: `wire`, `expression`, `value`, and `gradient`
 * when `backward` is given. Numbers are shown with `digits` significant
 * digits (default 6); `-0` is shown as `0`.
 *
 * @param forward - a forward pass of the circuit.
 * @param backward - optionally, a backward pass that went through `forward`.
 * @param options - how many digits to show.
 *
 * @example
 * ```ts
 * const c = new Circuit();
 * const [a, b] = c.inputs('a', 'b');
 * c.mul(a, b, 'x');
 * const fwd = orThrow(c.forward({ a: 2, b: -3 }));
 * console.log(formatTrace(fwd, orThrow(c.backward(fwd))));
 * // wire  expression      value  gradient
 * // ----  --------------  -----  --------
 * // a     input               2        -3
 * // b     input              -3         2
 * // x     multiply(a, b)     -6         1
 * ```
 */
export function formatTrace(forward: Forward, backward?: Backward, options: FormatOptions = {}): string {
  const digits = options.digits ?? 6;
  const rows = traceTable(forward, backward);
  const header = backward === undefined ? ['wire', 'expression', 'value'] : ['wire', 'expression', 'value', 'gradient'];
  const body = rows.map((r) => {
    const cells = [r.wire, r.expression, formatNumber(r.value, digits)];
    if (r.gradient !== undefined) cells.push(formatNumber(r.gradient, digits));
    return cells;
  });
  return table(header, body, [false, false, true, true]);
}

/**
 * Renders a {@link GradcheckReport} as an aligned text table, one line per
 * input (its value, the analytic and numerical gradients, the absolute and
 * relative errors, and the status), followed by a summary line with the
 * verdict, the counts of each status, and the step and tolerances used.
 *
 * @param report - the result of {@link gradcheck}.
 * @param options - how many digits to show for values and gradients.
 *
 * @example
 * ```ts
 * const c = new Circuit();
 * const [a, b] = c.inputs('a', 'b');
 * c.mul(a, b);
 * console.log(formatGradcheck(orThrow(gradcheck(c, { a: 2, b: 3 }))));
 * // input  value  analytic  numeric  abs error  rel error  status
 * // -----  -----  --------  -------  ---------  ---------  ------
 * // a          2         3        3    ...
 * // ok: 2 pass, 0 kink, 0 fail (step 1e-6, rtol 0.001, atol 1e-5)
 * ```
 */
export function formatGradcheck(report: GradcheckReport, options: FormatOptions = {}): string {
  const digits = options.digits ?? 6;
  const header = ['input', 'value', 'analytic', 'numeric', 'abs error', 'rel error', 'status'];
  const body = report.checks.map((c) => [
    c.input,
    formatNumber(c.value, digits),
    formatNumber(c.analytic, digits),
    formatNumber(c.numeric, digits),
    formatNumber(c.absError, 3),
    formatNumber(c.relError, 3),
    c.status,
  ]);
  const count = (s: string): number => report.checks.filter((c) => c.status === s).length;
  const verdict = report.ok ? (report.kinks ? 'ok, with kinks' : 'ok') : 'FAILED';
  const summary =
    `${verdict}: ${String(count('pass'))} pass, ${String(count('kink'))} kink, ${String(count('fail'))} fail ` +
    `(step ${formatNumber(report.step, 3)}, rtol ${formatNumber(report.rtol, 3)}, atol ${formatNumber(report.atol, 3)})`;
  return `${table(header, body, [false, true, true, true, true, true, false])}\n${summary}`;
}

/**
 * Formats a number for a table: integers in full, other numbers with
 * `digits` significant digits and no trailing zeros, in exponent form below
 * `1e-4` or from `1e21` up; `-0` as `0`.
 *
 * @param x - the number.
 * @param digits - significant digits, default 6.
 *
 * @example
 * ```ts
 * formatNumber(0.10499358540350649); // '0.104994'
 * formatNumber(4.248354255291589e-18); // '4.24835e-18'
 * formatNumber(-0);                  // '0'
 * ```
 */
export function formatNumber(x: number, digits = 6): string {
  if (x === 0) return '0';
  if (!Number.isFinite(x)) return String(x);
  const abs = Math.abs(x);
  if (Number.isInteger(x) && abs < 1e21) return String(x);
  if (abs >= 1e-4 && abs < 1e21) return String(Number(x.toPrecision(digits)));
  const [mantissa = '', exponent = ''] = x.toExponential(Math.max(0, digits - 1)).split('e');
  const trimmed = mantissa.includes('.') ? mantissa.replace(/0+$/, '').replace(/\.$/, '') : mantissa;
  return `${trimmed}e${exponent.replace(/^\+/, '')}`;
}

/** Lays out cells in columns two spaces apart, under a header and a rule; `right[k]` right-aligns column k. */
function table(header: readonly string[], body: readonly (readonly string[])[], right: readonly boolean[]): string {
  const widths = header.map((h, k) => Math.max(h.length, ...body.map((r) => (r[k] ?? '').length)));
  const line = (cells: readonly string[], align: boolean): string =>
    cells
      .map((cell, k) => {
        const w = widths[k] ?? 0;
        return align && right[k] === true ? cell.padStart(w) : cell.padEnd(w);
      })
      .join('  ')
      .trimEnd();
  return [line(header, true), line(widths.map((w) => '-'.repeat(w)), false), ...body.map((r) => line(r, true))].join('\n');
}
