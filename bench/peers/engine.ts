/** What every engine of the bench provides: one forward+backward pass, and what it cost to get there. */
import type { Handwritten, Result } from '../workloads';

/** One timed pass of an engine: returns the value and input gradients (buffers may be reused). */
export type Pass = () => Result;

export interface Prepared {
  readonly pass: Pass;
  /** Nanoseconds from nothing to a ready pass: build (and compile) the graph; what that means per engine is in docs/benchmarks.md. */
  readonly buildNs: number;
  /** Largest accepted difference from the hand-written pass (see `difference` in worker.ts). */
  readonly tolerance: number;
  /** Whatever the engine holds between passes, kept alive for the memory measurement. */
  readonly keep?: unknown;
  /** Points one pass evaluates (the batch engine); its time per gate is per gate and point. Default 1. */
  readonly points?: number;
  /**
   * The engine's own check, when one pass is more than the workload's input
   * point (the batch engine: every point against the hand-written pass run
   * there): returns the largest difference. Without it, the pass's result is
   * compared with the hand-written pass's.
   */
  readonly check?: (hand: Handwritten) => number;
}

/** Nanoseconds taken by `f`, and its result. */
export function timed<A>(f: () => A): [A, number] {
  const t = process.hrtime.bigint();
  const a = f();
  return [a, Number(process.hrtime.bigint() - t)];
}
