/**
 * The peer engines' packages are not dependencies of the project (so `npm ci`
 * stays lean): the bench installs each, at an exact version, on first use
 * into `bench/.peers/` (ignored by git), which has a package.json of its own.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

/** A package the bench installs on first use. */
export interface Peer {
  readonly name: string;
  readonly version: string;
}

export const SIMPLEGRAD: Peer = { name: 'simplegrad', version: '1.0.0' };
export const TFJS: Peer = { name: '@tensorflow/tfjs', version: '4.22.0' };

/** The project's root: the nearest folder up whose package.json is backprop-ninja's (works from bench/ and dist/bench/). */
export function projectRoot(from: string = __dirname): string {
  for (let dir = from; ; dir = path.dirname(dir)) {
    const pkg = path.join(dir, 'package.json');
    if (fs.existsSync(pkg) && (JSON.parse(fs.readFileSync(pkg, 'utf8')) as { name?: string }).name === 'backprop-ninja') return dir;
    if (path.dirname(dir) === dir) throw new Error(`no backprop-ninja package.json above ${from}`);
  }
}

/** The cache folder the peers are installed into. */
export function peersDir(): string {
  return path.join(projectRoot(), 'bench', '.peers');
}

/** The folder of an installed peer's package. */
export function peerPath(peer: Peer): string {
  return path.join(peersDir(), 'node_modules', ...peer.name.split('/'));
}

/** The installed version of a peer, or undefined when it is not installed. */
export function installedVersion(peer: Peer): string | undefined {
  try {
    return (JSON.parse(fs.readFileSync(path.join(peerPath(peer), 'package.json'), 'utf8')) as { version?: string }).version;
  } catch {
    return undefined;
  }
}

/**
 * Installs the peer at its exact version unless it is already there.
 * Returns undefined when it is ready, or why it could not be installed.
 * npm's output goes to stderr, so `--json` keeps stdout to one object.
 */
export function ensurePeer(peer: Peer, log: (line: string) => void = (l) => process.stderr.write(l + '\n')): string | undefined {
  if (installedVersion(peer) === peer.version) return undefined;
  const dir = peersDir();
  fs.mkdirSync(dir, { recursive: true });
  const manifest = path.join(dir, 'package.json');
  if (!fs.existsSync(manifest)) {
    fs.writeFileSync(manifest, JSON.stringify({ name: 'backprop-ninja-bench-peers', private: true, description: 'Peer engines for npm run bench, installed on first use (not committed).' }, null, 2) + '\n');
  }
  const spec = `${peer.name}@${peer.version}`;
  log(`installing ${spec} into ${path.relative(process.cwd(), dir) || dir} (first use) ...`);
  const npmCli = process.env.npm_execpath;
  const [command, prefix] = npmCli !== undefined && npmCli.endsWith('.js') ? [process.execPath, [npmCli]] : ['npm', []];
  try {
    execFileSync(command, [...prefix, 'install', '--prefix', dir, '--save-exact', '--no-audit', '--no-fund', spec], {
      stdio: ['ignore', 2, 2],
      timeout: 600_000,
    });
  } catch (e) {
    return `npm install --prefix ${dir} ${spec} failed: ${e instanceof Error ? e.message.split('\n')[0] ?? '' : String(e)}`;
  }
  const got = installedVersion(peer);
  return got === peer.version ? undefined : `npm install ${spec} left version ${got ?? 'none'} in ${dir}`;
}
