/**
 * simplegrad (npm, ESM), on its compiled path: the graph is built from
 * `Variable`s sharing one `ValueStorage`, `compile()` writes one straight-line
 * forward and one backward function over two Float64Arrays, and a pass sets
 * the inputs, runs `forward()`, zeroes the gradients (simplegrad's backward
 * code accumulates with `+=`), seeds the output's with 1 and runs `backward()`.
 */
import { pathToFileURL } from 'node:url';
import * as path from 'node:path';
import type { Ops, Result, Workload } from '../workloads';
import { timed, type Prepared } from './engine';
import { peerPath, SIMPLEGRAD } from './install';

/** The part of simplegrad's API the bench uses (the package ships no types). */
interface Variable {
  readonly id: number;
  add(other: Variable): Variable;
  sub(other: Variable): Variable;
  mul(other: Variable | number): Variable;
  pow(k: number): Variable;
  ReLU(): Variable;
  sigmoid(): Variable;
  compile(): void;
}

interface ValueStorage {
  v: Float64Array;
  gv: Float64Array;
  forward(): void;
  backward(): void;
}

export interface Simplegrad {
  Variable: new (vs: ValueStorage) => Variable;
  ValueStorage: new () => ValueStorage;
}

// TypeScript compiles `import()` to `require()` under module nodenext in a
// CommonJS package; simplegrad is ESM only, so the import is kept as written.
// eslint-disable-next-line @typescript-eslint/no-implied-eval -- a fixed body, no user input
const importModule = new Function('specifier', 'return import(specifier)') as (specifier: string) => Promise<unknown>;

/** Loads simplegrad from bench/.peers (installed by the bench on first use). */
export async function loadSimplegrad(): Promise<Simplegrad> {
  return (await importModule(pathToFileURL(path.join(peerPath(SIMPLEGRAD), 'index.js')).href)) as Simplegrad;
}

export function simplegrad(sg: Simplegrad, w: Workload, inputs: Float64Array): Prepared {
  const [built, buildNs] = timed(() => {
    const vs = new sg.ValueStorage();
    const leaves: number[] = [];
    const ops: Ops<Variable> = {
      input: () => {
        const v = new sg.Variable(vs);
        leaves.push(v.id);
        return v;
      },
      mul: (a, b) => a.mul(b),
      add: (terms) => terms.slice(1).reduce((sum, t) => sum.add(t), terms[0]!),
      sub: (a, b) => a.sub(b),
      neg: (a) => a.mul(-1), // simplegrad has no negation: times the constant -1
      relu: (a) => a.ReLU(),
      sigmoid: (a) => a.sigmoid(),
      reciprocal: (a) => a.pow(-1),
    };
    const root = w.graph(ops);
    root.compile();
    return { vs, root: root.id, leaves: Int32Array.from(leaves) };
  });
  const { vs, root, leaves } = built;
  const v = vs.v;
  const gv = vs.gv;
  const grads = new Float64Array(inputs.length);
  const out = { value: 0, grads };
  const pass = (): Result => {
    for (let k = 0; k < leaves.length; k++) v[leaves[k]!] = inputs[k]!;
    vs.forward();
    gv.fill(0);
    gv[root] = 1;
    vs.backward();
    for (let k = 0; k < leaves.length; k++) grads[k] = gv[leaves[k]!]!;
    out.value = v[root]!;
    return out;
  };
  return { pass, buildNs, tolerance: 1e-9, keep: vs };
}
