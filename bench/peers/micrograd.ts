/**
 * A micrograd-style engine, the common design's baseline: every operation
 * creates a `Value` object holding its data, its gradient, its children and
 * a closure that passes its gradient to them. The graph is built during the
 * forward pass (define-by-run, as in micrograd and PyTorch), so every pass
 * allocates one object and one closure per gate; `backward` sorts the graph
 * topologically (iteratively: the deep chain has a million gates) and calls
 * the closures in reverse order.
 */
import type { Ops, Result, Workload } from '../workloads';
import { timed, type Prepared } from './engine';

const noop = (): void => undefined;

export class Value {
  grad = 0;
  /** Adds this value's gradient, times the local derivative, to its children's. */
  backwardStep: () => void = noop;

  constructor(
    public data: number,
    readonly children: readonly Value[] = [],
    readonly op = '',
  ) {}

  add(other: Value): Value {
    const out = new Value(this.data + other.data, [this, other], '+');
    out.backwardStep = () => {
      this.grad += out.grad;
      other.grad += out.grad;
    };
    return out;
  }

  sub(other: Value): Value {
    const out = new Value(this.data - other.data, [this, other], '-');
    out.backwardStep = () => {
      this.grad += out.grad;
      other.grad -= out.grad;
    };
    return out;
  }

  neg(): Value {
    const out = new Value(-this.data, [this], 'neg');
    out.backwardStep = () => {
      this.grad -= out.grad;
    };
    return out;
  }

  mul(other: Value): Value {
    const out = new Value(this.data * other.data, [this, other], '*');
    out.backwardStep = () => {
      this.grad += other.data * out.grad;
      other.grad += this.data * out.grad;
    };
    return out;
  }

  /** `this ** k` for a constant k (micrograd's `__pow__`; `1 / x` is `x ** -1`). */
  pow(k: number): Value {
    const out = new Value(this.data ** k, [this], `**${String(k)}`);
    out.backwardStep = () => {
      this.grad += k * this.data ** (k - 1) * out.grad;
    };
    return out;
  }

  relu(): Value {
    const out = new Value(this.data < 0 ? 0 : this.data, [this], 'ReLU');
    out.backwardStep = () => {
      this.grad += (out.data > 0 ? 1 : 0) * out.grad;
    };
    return out;
  }

  sigmoid(): Value {
    const s = 1 / (1 + Math.exp(-this.data));
    const out = new Value(s, [this], 'sigmoid');
    out.backwardStep = () => {
      this.grad += s * (1 - s) * out.grad;
    };
    return out;
  }

  /** Seeds this value's gradient with 1 and backpropagates to every value it depends on. */
  backward(): void {
    // Iterative depth-first post-order: children before parents.
    const topo: Value[] = [];
    const visited = new Set<Value>([this]);
    const stack: Value[] = [this];
    const next: number[] = [0];
    while (stack.length > 0) {
      const top = stack.length - 1;
      const v = stack[top]!;
      const i = next[top]!;
      if (i < v.children.length) {
        next[top] = i + 1;
        const child = v.children[i]!;
        if (!visited.has(child)) {
          visited.add(child);
          stack.push(child);
          next.push(0);
        }
      } else {
        stack.pop();
        next.pop();
        topo.push(v);
      }
    }
    this.grad = 1;
    for (let k = topo.length - 1; k >= 0; k--) topo[k]!.backwardStep();
  }
}

/** The workload's graph built from `Value`s, with its inputs in declaration order. */
export function buildValues(w: Workload, inputs: Float64Array): { root: Value; leaves: Value[] } {
  const leaves: Value[] = [];
  const ops: Ops<Value> = {
    input: () => {
      const v = new Value(inputs[leaves.length]!);
      leaves.push(v);
      return v;
    },
    mul: (a, b) => a.mul(b),
    add: (terms) => terms.slice(1).reduce((sum, t) => sum.add(t), terms[0]!),
    sub: (a, b) => a.sub(b),
    neg: (a) => a.neg(),
    relu: (a) => a.relu(),
    sigmoid: (a) => a.sigmoid(),
    reciprocal: (a) => a.pow(-1),
  };
  return { root: w.graph(ops), leaves };
}

export function micrograd(w: Workload, inputs: Float64Array): Prepared {
  const grads = new Float64Array(inputs.length);
  const out = { value: 0, grads };
  const holder: { last?: Value } = {};
  const [, buildNs] = timed(() => buildValues(w, inputs));
  const pass = (): Result => {
    const { root, leaves } = buildValues(w, inputs); // the forward pass builds the graph
    root.backward();
    for (let k = 0; k < leaves.length; k++) grads[k] = leaves[k]!.grad;
    out.value = root.data;
    holder.last = root;
    return out;
  };
  return { pass, buildNs, tolerance: 1e-9, keep: holder };
}
