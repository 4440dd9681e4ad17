// The --help texts of the `backprop` command, with examples from the chapter.

/** The commands of `backprop`. @internal */
export type Command = 'grad' | 'check' | 'code' | 'graph' | 'json';

const SOURCE = `The circuit is an EXPR argument (quote it), a program file (--file FILE,
or - for standard input), or a circuit file (--circuit FILE, as written by
backprop json). Expressions use numbers, names, + - * /, parentheses,
max(...), pow(x, k), sig(x) and relu(x); programs are chapter-style
statements (var x1 = a * b + c; ...), and the last assigned variable is the
output. A program's own backward pass (var da = b * dx; ...) is not read.`;

/** The general help. @internal */
export const GENERAL = `backprop: the chapter "Becoming a Backprop Ninja" on the command line

Usage: backprop <command> EXPR [name=value ...] [options]

Commands:
  grad    the value and the gradient of every wire
  check   analytic against numerical gradients (exit status 1 if one is wrong)
  code    the forward and backward pass written out, the chapter's way
  graph   a picture of the circuit (svg, dot or mermaid)
  json    the circuit as a circuit file (for --circuit)

Examples:
  backprop grad 'a * b' a=-2 b=3
  backprop grad 'var q = a * x + b * y + c; var f = sig(q);' a=1 b=2 c=-3 x=-1 y=3
  backprop check 'Math.pow(((a * b + c) * d), 2)' a=1 b=2 c=3 d=4
  backprop code 'var x1 = a * b + c; var x2 = x1 * d; var x = x2 * x2;'
  backprop graph '(a + b) / (c + d)' a=1 b=2 c=3 d=4 -o division.svg

Run backprop <command> --help for a command's options.
Exit status: 0 done, 1 a gradient check failed, 2 a mistake in the command
or its input (the message says what and where).
`;

/** Each command's help. @internal */
export const HELP: Readonly<Record<Command, string>> = {
  grad: `Usage: backprop grad EXPR name=value ... [--upstream=N] [--json]

The forward pass (every wire's value) and the backward pass (every wire's
gradient), as a table with a line per wire, named as in the program.

${SOURCE}

Options:
  --upstream=N   the upstream gradient on the output, the chapter's dx (default 1)
  --json         print one JSON object instead:
                 {"value": <number>, "gradients": {"<input>": <number>, ...}}
                 with every number in full double precision
  --file FILE    read the program from FILE (- for standard input)
  --circuit FILE read the circuit from a circuit file

Examples (from the chapter):
  backprop grad 'a * b' a=-2 b=3 --upstream=2
  backprop grad 'a + b + c' a=1 b=2 c=3
  backprop grad 'var q = a * x + b * y + c; var f = sig(q);' a=1 b=2 c=-3 x=-1 y=3
  backprop grad 'a * a' a=3
  backprop grad 'Math.max(a, 0)' a=-1 --json
`,
  check: `Usage: backprop check EXPR name=value ... [--json]

Compares each input's gradient from the backward pass with a centred finite
difference, (f(x + h) - f(x - h)) / 2h. An input passes when they agree; at
a kink (ReLU at 0, a max tie) a gradient between the one-sided slopes is a
valid choice ("kink"). The exit status is 1 when a check fails.

${SOURCE}

Options:
  --json         print one JSON object: {"ok", "kinks", "value", "checks": [...]}
  --file FILE    read the program from FILE (- for standard input)
  --circuit FILE read the circuit from a circuit file

Examples (from the chapter):
  backprop check 'a*a + b*b + c*c' a=1 b=-2 c=3
  backprop check 'Math.pow(((a * b + c) * d), 2)' a=1 b=2 c=3 d=4
  backprop check '(a + b) / (c + d)' a=1 b=2 c=3 d=4
  backprop check 'Math.max(a, 0)' a=0
`,
  code: `Usage: backprop code EXPR [--lang js|ts] [--upstream=N] [--function]

Prints the forward pass and the backward pass the chapter's way: one line per
gate, each backward line the local gradient times the upstream one
(var dx2 = 2 * x2 * dx;), with += where a wire splits. The code is real
JavaScript (or TypeScript): it runs once the inputs and sig are defined.

${SOURCE}

Options:
  --lang js|ts   JavaScript with var (default) or TypeScript with const/let
  --upstream=N   the upstream gradient written for the output (default 1)
  --function     wrap it into a complete function backprop(inputs..., dx)
  --file FILE    read the program from FILE (- for standard input)
  --circuit FILE read the circuit from a circuit file

Examples (from the chapter):
  backprop code 'a * b'
  backprop code 'var x1 = a * b + c; var x2 = x1 * d; var x = x2 * x2;'
  backprop code 'var q = a * x + b * y + c; var f = sig(q);' --lang ts
  backprop code 'var x2 = c + d; var x3 = 1.0 / x2; var x = x1 * x3;' --function
`,
  graph: `Usage: backprop graph EXPR [name=value ...] [--format svg|dot|mermaid] [-o FILE]

The circuit as a picture: a box per wire and a circle per gate. With input
values, each wire shows its value (forward flow, green) and its gradient
(backward flow, red). SVG is drawn by Graphviz compiled to WebAssembly; no
system program is needed.

${SOURCE}

Options:
  --format F     svg, dot or mermaid (default: from the -o file's extension, else svg)
  -o FILE        write to FILE instead of standard output
  --upstream=N   the upstream gradient on the output (default 1)
  --file FILE    read the program from FILE (- for standard input)
  --circuit FILE read the circuit from a circuit file

Examples (from the chapter):
  backprop graph 'var q = a * x + b * y + c; var f = sig(q);' a=1 b=2 c=-3 x=-1 y=3 -o neuron.svg
  backprop graph '(a + b) / (c + d)' --format dot
  backprop graph 'Math.max(a, b)' a=1 b=2 --format mermaid
`,
  json: `Usage: backprop json EXPR [-o FILE]

The circuit as a circuit file (JSON): its inputs, its gates by type with
their input wires, and its output. Read it back with --circuit FILE.

${SOURCE}

Options:
  -o FILE        write to FILE instead of standard output
  --file FILE    read the program from FILE (- for standard input)
  --circuit FILE read the circuit from a circuit file

Example (from the chapter):
  backprop json 'var x1 = a * b + c; var x2 = x1 * d; var x = x2 * x2;' -o pow.json
  backprop grad --circuit pow.json a=1 b=2 c=3 d=4
`,
};
