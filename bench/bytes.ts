/**
 * Counts the bytes of typed arrays a program makes, for `npm run bench:parse
 * -- --bytes`: installed before the library loads, its constructors replace
 * the nine global typed-array constructors with subclasses that add each new
 * array's `byteLength` to a counter, and `ArrayBuffer` with one that adds
 * each new buffer's (the scratch pool makes its arrays as views of buffers
 * it makes). A view (a constructor called with an `ArrayBuffer` or
 * `SharedArrayBuffer`, as `subarray` does) allocates nothing and counts
 * nothing; `slice`, `from`, `of`, `map` and `new X(n)` or `new X(array)`
 * count. Arrays Node makes with the original constructors (a `Buffer`,
 * `TextEncoder`'s output) are not seen.
 */

/** The global constructors replaced. */
const NAMES = ['Int8Array', 'Uint8Array', 'Uint8ClampedArray', 'Int16Array', 'Uint16Array', 'Int32Array', 'Uint32Array', 'Float32Array', 'Float64Array'] as const;

/** A typed-array constructor, as far as the subclass needs one. */
type TypedArrayConstructor = new (...args: unknown[]) => { readonly byteLength: number };

/** The bytes of typed arrays made since it was installed (a caller may set `bytes` back to 0). */
export interface ByteCounter {
  bytes: number;
  /** Puts the original constructors back (arrays made in between stay of the subclasses). */
  uninstall(): void;
}

/** Installs the counting constructors on `globalThis` and returns their counter. */
export function countBytes(): ByteCounter {
  const global = globalThis as unknown as Record<string, unknown>;
  const originals = NAMES.map((name) => [name, global[name]] as const);
  const OriginalBuffer = ArrayBuffer;
  const counter: ByteCounter = {
    bytes: 0,
    uninstall() {
      for (const [name, original] of originals) global[name] = original;
      global.ArrayBuffer = OriginalBuffer;
    },
  };
  const CountedBuffer = class extends OriginalBuffer {
    constructor(length: number) {
      super(length);
      counter.bytes += this.byteLength;
    }

    // every buffer is still an ArrayBuffer, those made inside typed arrays too
    static override [Symbol.hasInstance](x: unknown): boolean {
      return x instanceof OriginalBuffer;
    }
  };
  Object.defineProperty(CountedBuffer, 'name', { value: 'ArrayBuffer' });
  global.ArrayBuffer = CountedBuffer;
  for (const [name, original] of originals) {
    const Counted = class extends (original as TypedArrayConstructor) {
      constructor(...args: unknown[]) {
        super(...args);
        if (!(args[0] instanceof ArrayBuffer || args[0] instanceof SharedArrayBuffer)) counter.bytes += this.byteLength;
      }
    };
    // so that an array still prints as an Int32Array, not as `Counted`
    Object.defineProperty(Counted, 'name', { value: name });
    global[name] = Counted;
  }
  return counter;
}
