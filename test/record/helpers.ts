/** Shared setup for recorder tests: a temp folder with a tiny model and generated images. */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import sharp from 'sharp';
import { encodeModel } from '../../src/onnx/codec.js';
import type { ModelProto } from '../../src/onnx/types.js';
import { buildProgram } from '../../src/cli/program.js';
import { runInProcess } from '../helpers/cli.js';

export interface Workspace {
  dir: string;
  model: string;
  images: string;
}

/** `count` seeded PNGs of varied sizes (some in a sub-folder) plus two undecodable files. */
export async function makeWorkspace(model: ModelProto, count: number, options: { broken?: boolean } = {}): Promise<Workspace> {
  const dir = mkdtempSync(join(tmpdir(), 'neurolens-record-'));
  const images = join(dir, 'images');
  mkdirSync(join(images, 'nested'), { recursive: true });
  for (let i = 0; i < count; i++) {
    const width = 16 + (i % 5) * 4;
    const height = 16 + (i % 3) * 6;
    const raw = Buffer.alloc(width * height * 3);
    for (let p = 0; p < raw.length; p++) raw[p] = (p * (i + 3) * 37 + i * 11) % 256;
    const name = `${i % 4 === 0 ? 'nested/' : ''}img${String(i).padStart(4, '0')}.png`;
    await sharp(raw, { raw: { width, height, channels: 3 } }).png().toFile(join(images, name));
  }
  if (options.broken !== false) {
    writeFileSync(join(images, 'broken.jpg'), 'definitely not a jpeg');
    writeFileSync(join(images, 'empty.png'), '');
  }
  const modelPath = join(dir, 'model.onnx');
  writeFileSync(modelPath, encodeModel(model));
  return { dir, model: modelPath, images };
}

/**
 * A workspace with `model` recorded once (default layers, 1 thread) on `count` generated images,
 * copied into one folder per name: identical starting runs for comparing ways of running a stage.
 */
export async function recordedCopies(model: ModelProto, count: number, names: readonly string[]): Promise<{ ws: Workspace; runs: string[] }> {
  const ws = await makeWorkspace(model, count, { broken: false });
  const recorded = join(ws.dir, 'recorded');
  const { record } = await import('../../src/record/recorder.js');
  await record({ model: ws.model, images: ws.images, out: recorded, layers: 'default', threads: 1 });
  const runs = names.map((name) => join(ws.dir, name));
  for (const run of runs) cpSync(recorded, run, { recursive: true });
  return { ws, runs };
}

/** Every file under `root` (relative path → bytes), for byte-identity comparisons. */
export function snapshotFiles(root: string): Map<string, Buffer> {
  const files = new Map<string, Buffer>();
  const walk = (dir: string) => {
    for (const name of readdirSync(dir)) {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) walk(path);
      else files.set(relative(root, path), readFileSync(path));
    }
  };
  walk(root);
  return files;
}

export const CLI = join(import.meta.dirname, '..', '..', 'src', 'cli', 'main.ts');
export const ENV = { ...process.env, SOURCE_DATE_EPOCH: '1700000000' };

/** `neurolens record` of `images` through `model` into `out`, small batches and chunks. */
export function recordArgs(model: string, images: string, out: string): string[] {
  return ['record', '--model', model, '--images', images, '--out', out, '--batch', '2', '--chunk', '8', '--threads', '1'];
}

/** Node's arguments to run {@link recordArgs} as its own process. */
export function cliArgs(model: string, images: string, out: string): string[] {
  return ['--import', 'tsx', CLI, ...recordArgs(model, images, out)];
}

export interface RunResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Runs node with `args` (see {@link cliArgs}) to the end: for what needs a process of its own. */
export function runToEnd(args: string[]): RunResult {
  const result = spawnSync(process.execPath, args, { env: ENV, encoding: 'utf8' });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** The same recording as `runToEnd(cliArgs(…))`, in this process (a spawned CLI costs seconds of start-up). */
export async function recordHere(model: string, images: string, out: string): Promise<RunResult> {
  const result = await runInProcess(buildProgram(), recordArgs(model, images, out), { env: { SOURCE_DATE_EPOCH: ENV.SOURCE_DATE_EPOCH, NEUROLENS_DEBUG: undefined } });
  return { status: result.code, stdout: result.stdout, stderr: result.stderr };
}

export function journalLines(out: string): number {
  const path = join(out, '.record', 'journal.jsonl');
  return existsSync(path) ? readFileSync(path, 'utf8').split('\n').filter((l) => l.length > 0).length : 0;
}

/** Starts a recording and SIGKILLs it as soon as `when` says so (checked on every progress line and every 5 ms). */
export function killWhen(args: string[], out: string, when: (stderr: string) => boolean): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { env: ENV });
    let stderr = '';
    let killed = false;
    const check = () => {
      if (!killed && when(stderr)) {
        killed = true;
        child.kill('SIGKILL');
      }
    };
    const timer = setInterval(check, 5);
    child.stderr.on('data', (data: Buffer) => {
      stderr += data.toString();
      check();
    });
    child.on('exit', (_code, signal) => {
      clearInterval(timer);
      if (signal === 'SIGKILL') resolve(stderr);
      else reject(new Error(`the recording finished before it could be killed (journal: ${journalLines(out)} chunks); stderr: ${stderr}`));
    });
  });
}

/** Asserts two folders hold the same files with the same bytes (`what` names the reference in a failure). */
export function assertSameFiles(expectedRoot: string, actualRoot: string, what: string): void {
  const expected = snapshotFiles(expectedRoot);
  const actual = snapshotFiles(actualRoot);
  assert.deepEqual([...actual.keys()].sort(), [...expected.keys()].sort());
  for (const [name, bytes] of expected) assert.ok(bytes.equals(actual.get(name)!), `${name} differs from ${what}`);
}
