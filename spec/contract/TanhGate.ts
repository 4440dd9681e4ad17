import type { Arity, Gate } from '../../lib/index';

/**
 * `y = tanh(a)`, written the way a user of the library would add a gate:
 * a class implementing {@link Gate}, not known to the library in any way.
 * The local gradient `1 - tanh(a)^2` uses the output `y`, as sigmoid's does.
 */
export class TanhGate implements Gate {
  readonly name = 'tanh';
  readonly arity: Arity = { min: 1, max: 1 };

  forward([a = NaN]: readonly number[]): number {
    return Math.tanh(a);
  }

  backward(_inputs: readonly number[], y: number, dy: number): number[] {
    return [(1 - y * y) * dy];
  }
}
