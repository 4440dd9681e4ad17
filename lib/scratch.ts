// Scratch memory for the passes of a large parse or compile: the typed
// arrays a pass needs only while it runs are handed back when it ends, and
// the next pass of the same job (the compile after a parse, or the next
// parse of a loop that parses many programs) takes them instead of asking
// for new ones.
//
// Why: memory the system hands out fresh costs a page fault the first time
// each 4 KiB page is touched (about 14 µs on this project's machines: 3.5 ms
// a MB), and the C allocator gives memory back to the system when much of
// it is freed at once, so a million-gate parse and compile, which asks for
// about 300 MB of such arrays, spent more than half of its time faulting in
// pages it had just given back (docs/performance.md has the figures).
//
// What is kept: a buffer handed back is held only through a WeakRef. The
// language keeps the target of a WeakRef made (or dereferenced) in a job
// alive until that job ends (the synchronous code running now); after that
// the garbage collector may take it whenever nothing else holds it. So the
// pool keeps nothing a collection would not free anyway: it only lets the
// memory be used again before then.
//
// A leaf module (it imports nothing), shared by the parser and the compiler,
// which are clients of the core and otherwise share only the core's public
// surface and hash.ts.

/** Below this many bytes an array is made as usual: it is cheap, and the pool is for the big ones. */
export const MIN_POOLED_BYTES = 1 << 16;

/** The most buffers the pool holds (the oldest go first). */
const MAX_POOLED = 64;

/** Buffers handed back, oldest first. */
const pool: WeakRef<ArrayBuffer>[] = [];

/**
 * A buffer of at least `bytes` bytes whose first `bytes` are 0: the
 * smallest one in the pool that is large enough and at most `fit` times as
 * large (so that a small array does not take a buffer a larger one will
 * want), or a new one.
 */
function take(bytes: number, fit: number): ArrayBuffer {
  if (bytes < MIN_POOLED_BYTES) return new ArrayBuffer(bytes);
  prune();
  let best = -1;
  let bestSize = Infinity;
  for (let i = 0; i < pool.length; i++) {
    const size = pool[i]?.deref()?.byteLength ?? -1;
    if (size >= bytes && size < bestSize) {
      best = i;
      bestSize = size;
    }
  }
  const buffer = best >= 0 && bestSize <= fit * bytes ? pool[best]?.deref() : undefined;
  if (buffer === undefined) return new ArrayBuffer(bytes);
  pool.splice(best, 1);
  new Uint8Array(buffer, 0, bytes).fill(0);
  return buffer;
}

/** Drops the pool's entries the collector has taken. */
function prune(): void {
  let k = 0;
  for (const r of pool) if (r.deref() !== undefined) pool[k++] = r;
  pool.length = k;
}

/** How much larger than asked a pooled buffer may be: four times for a temporary array, a half more for one that is kept. */
export const TEMPORARY = 4;
/** See {@link TEMPORARY}: for an array a result keeps (its slack is kept with it). */
export const KEPT = 1.5;

/** A zeroed `Int32Array` of `n` entries, from the pool when it has room (within `fit` times the bytes asked). */
export function int32(n: number, fit = TEMPORARY): Int32Array<ArrayBuffer> {
  return new Int32Array(take(4 * n, fit), 0, n);
}

/** A zeroed `Uint8Array` of `n` entries, from the pool when it has room (within `fit` times the bytes asked). */
export function uint8(n: number, fit = TEMPORARY): Uint8Array<ArrayBuffer> {
  return new Uint8Array(take(n, fit), 0, n);
}

/** A zeroed `Float64Array` of `n` entries, from the pool when it has room (within `fit` times the bytes asked). */
export function float64(n: number, fit = TEMPORARY): Float64Array<ArrayBuffer> {
  return new Float64Array(take(8 * n, fit), 0, n);
}

/**
 * Hands arrays back to the pool, for a later {@link int32}, {@link uint8}
 * or {@link float64} of the same job to take (their buffers, whole: hand
 * back only arrays nothing else still reads or writes, nor any other view
 * of their buffers). Small ones, and ones already handed back, are ignored.
 */
export function release(...arrays: readonly (ArrayBufferView | undefined)[]): void {
  for (const a of arrays) {
    if (a === undefined) continue;
    const buffer = a.buffer;
    if (!(buffer instanceof ArrayBuffer) || buffer.byteLength < MIN_POOLED_BYTES || pool.some((r) => r.deref() === buffer)) continue;
    pool.push(new WeakRef(buffer));
    if (pool.length > MAX_POOLED) pool.shift();
  }
}

/** How many buffers the pool holds now, and their bytes (for specs and the bench). @internal */
export function pooled(): { buffers: number; bytes: number } {
  prune();
  return { buffers: pool.length, bytes: pool.reduce((s, r) => s + (r.deref()?.byteLength ?? 0), 0) };
}

/** Empties the pool (for specs and the bench). @internal */
export function drain(): void {
  pool.length = 0;
}
