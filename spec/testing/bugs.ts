import { MaxGate, type Arity, type Gate } from '../../lib/index';

// Deliberately wrong gates, each a mistake someone has made: the toolkit must catch every one.

/** The original tutorial's slip: sigmoid's backward written with its input q, `q * (1 - q)`, not its output f. */
export class SigmoidOfInputGate implements Gate {
  readonly name = 'sigmoid';
  readonly arity: Arity = { min: 1, max: 1 };
  forward([q = NaN]: readonly number[]): number {
    return 1 / (1 + Math.exp(-q));
  }
  backward([q = NaN]: readonly number[], _f: number, df: number): number[] {
    return [q * (1 - q) * df];
  }
}

/**
 * The chapter's literal max: `var da = a === x ? 1.0 * dx : 0.0;` for every input, so a tie doubles dx.
 * A subclass of the built-in, as a user would write it: the checkers treat it as a max (ties are kinks)
 * and the circuit runs its own backward.
 */
export class ChapterMaxGate extends MaxGate {
  override backward(inputs: readonly number[], x: number, dx: number): number[] {
    return inputs.map((a) => (a === x ? 1.0 * dx : 0.0));
  }
}

/** The chapter's `var da = -1.0/(a*a);` taken literally: the local gradient, without `* dx`. */
export class ReciprocalWithoutUpstreamGate implements Gate {
  readonly name = 'reciprocal';
  readonly arity: Arity = { min: 1, max: 1 };
  forward([a = NaN]: readonly number[]): number {
    return 1.0 / a;
  }
  backward([a = NaN]: readonly number[]): number[] {
    return [-1.0 / (a * a)];
  }
}

/** A multiply that remembers its last inputs for the backward pass: wrong once one instance sits at two places. */
export class CachingMultiplyGate implements Gate {
  readonly name = 'multiply';
  readonly arity: Arity = { min: 2, max: 2 };
  private last: readonly number[] = [];
  forward(inputs: readonly number[]): number {
    this.last = inputs;
    return (inputs[0] ?? NaN) * (inputs[1] ?? NaN);
  }
  backward(_inputs: readonly number[], _x: number, dx: number): number[] {
    const [a = NaN, b = NaN] = this.last;
    return [b * dx, a * dx];
  }
}

/** ReLU with the kink's gradient wrong on the positive side: passes 0.5 * dx. */
export class HalfReluGate implements Gate {
  readonly name = 'relu';
  readonly arity: Arity = { min: 1, max: 1 };
  forward([a = NaN]: readonly number[]): number {
    return Math.max(a, 0);
  }
  backward([a = NaN]: readonly number[], _x: number, dx: number): number[] {
    return [a > 0 ? 0.5 * dx : 0.0];
  }
}

/** A log gate: not finite at 0 and below, which its domain must exclude. */
export class LogGate implements Gate {
  readonly name = 'log';
  readonly arity: Arity = { min: 1, max: 1 };
  forward([a = NaN]: readonly number[]): number {
    return Math.log(a);
  }
  backward([a = NaN]: readonly number[], _y: number, dy: number): number[] {
    return [dy / a];
  }
}

/** Returns a gradient for an input it does not have. */
export class ExtraGradientGate implements Gate {
  readonly name = 'square';
  readonly arity: Arity = { min: 1, max: 1 };
  forward([a = NaN]: readonly number[]): number {
    return a * a;
  }
  backward([a = NaN]: readonly number[], _y: number, dy: number): number[] {
    return [2 * a * dy, 0];
  }
}
