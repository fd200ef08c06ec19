/**
 * `npm run zoo:full [-- NAME ...]`: the architecture zoo at full size. Exports standard torchvision
 * classification architectures with random weights (scripts/zoo-export.py, no downloads), then runs
 * each through the CLI as a user would: inspect → record (8 generated images) → circuits (1 query,
 * the last two default layers) → attribute (occlusion, 2 images), and prints a markdown table.
 * Needs Debian's python3-torch and python3-torchvision (or NEUROLENS_PYTHON pointing at a python
 * with torch and torchvision); without them it says so and exits 0. Not a test: it takes minutes.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';

const ROOT = join(import.meta.dirname, '..');
const CLI = join(ROOT, 'src', 'cli', 'main.ts');
const EXPORTER = join(ROOT, 'scripts', 'zoo-export.py');
const IMAGES = 8;

/** torchvision constructor names (input side when not 224), as the README table names them. */
const ARCHITECTURES: [string, string][] = [
  ['resnet50', 'ResNet-50'],
  ['densenet121', 'DenseNet-121'],
  ['efficientnet_b0', 'EfficientNet-B0'],
  ['mobilenet_v3_small', 'MobileNetV3-Small'],
  ['mnasnet1_0', 'MnasNet-1.0'],
  ['regnet_y_400mf', 'RegNetY-400MF'],
  ['convnext_tiny', 'ConvNeXt-Tiny'],
  ['squeezenet1_1', 'SqueezeNet-1.1'],
  ['vgg11_bn', 'VGG-11-BN'],
  ['inception_v3@299', 'Inception-v3'],
  ['swin_t', 'Swin-T'],
  ['vit_b_16', 'ViT-B/16'],
];

interface Row {
  name: string;
  size: number;
  layers?: number;
  defaults?: number;
  rate?: number;
  circuits?: boolean;
  attribute?: boolean;
  error?: string;
}

/** The first python (NEUROLENS_PYTHON, Debian's, then PATH's) that imports torch and torchvision. */
function findPython(): { python: string; versions: string } | undefined {
  for (const python of [process.env.NEUROLENS_PYTHON, '/usr/bin/python3', 'python3']) {
    if (!python) continue;
    const probe = spawnSync(python, ['-c', 'import torch, torchvision; print(torch.__version__, torchvision.__version__)'], { encoding: 'utf8' });
    if (probe.status === 0) return { python, versions: probe.stdout.trim() };
  }
  return undefined;
}

function neurolens(args: string[]): { ok: boolean; stdout: string; error: string } {
  const result = spawnSync(process.execPath, ['--import', 'tsx', CLI, ...args], { cwd: ROOT, encoding: 'utf8', maxBuffer: 64 << 20 });
  const lines = (result.stderr ?? '').split('\n').filter((l) => l.trim() !== '' && !l.startsWith('{'));
  const error = lines.find((l) => l.startsWith('neurolens: error:')) ?? lines.at(-1) ?? `exit ${result.status}`;
  return { ok: result.status === 0, stdout: result.stdout ?? '', error: error.replace(/^neurolens: error: /, '') };
}

async function writeImages(dir: string): Promise<void> {
  mkdirSync(dir, { recursive: true });
  for (let i = 0; i < IMAGES; i++) {
    const [width, height] = [320 + i * 16, 256 + i * 8];
    const raw = Buffer.alloc(width * height * 3);
    for (let p = 0; p < raw.length; p++) raw[p] = (((p / 3) % width) * (i + 1) + Math.floor(p / 3 / width) * 7 + (p % 3) * 60) % 256;
    await sharp(raw, { raw: { width, height, channels: 3 } }).png().toFile(join(dir, `img${i}.png`));
  }
}

function pipeline(model: string, images: string, work: string, row: Row): void {
  const inspect = neurolens(['inspect', model, '--json']);
  if (!inspect.ok) return void (row.error = `inspect: ${inspect.error}`);
  const summary = JSON.parse(inspect.stdout) as { layers: { id: string; isDefault: boolean }[] };
  const defaults = summary.layers.filter((l) => l.isDefault).map((l) => l.id);
  [row.layers, row.defaults] = [summary.layers.length, defaults.length];

  const run = join(work, 'run');
  const recorded = neurolens(['record', '--model', model, '--images', images, '--out', run, '--batch', '4']);
  if (!recorded.ok) return void (row.error = `record: ${recorded.error}`);
  const rate = /\(([\d.]+) images\/s\)/.exec(recorded.stdout);
  if (rate) row.rate = Number(rate[1]);

  const circuits = neurolens(['circuits', '--run', run, '--query', '0', '--layers', defaults.slice(-2).join(','), '--batch', '16']);
  row.circuits = circuits.ok;
  if (!circuits.ok) row.error = `circuits: ${circuits.error}`;

  const window = String(Math.round(row.size / 4));
  const attributed = neurolens(['attribute', '--model', model, '--images', images, '--out', join(work, 'maps'), '--method', 'occlusion', '--window', window, '--limit', '2', '--max-batch', '16']);
  row.attribute = attributed.ok;
  if (!attributed.ok) row.error = [row.error, `attribute: ${attributed.error}`].filter(Boolean).join('; ');
}

function table(rows: Row[]): string {
  const mark = (v: boolean | undefined) => (v === undefined ? '–' : v ? 'yes' : 'no');
  const lines = [
    '| architecture | input | layers | defaults | record img/s | circuits | attribute | error |',
    '| --- | --- | ---: | ---: | ---: | --- | --- | --- |',
    ...rows.map((r) =>
      `| ${r.name} | ${r.size}² | ${r.layers ?? '–'} | ${r.defaults ?? '–'} | ${r.rate ?? '–'} | ${mark(r.circuits)} | ${mark(r.attribute)} | ${(r.error ?? '').replace(/\|/g, '\\|')} |`,
    ),
  ];
  return lines.join('\n');
}

async function main(): Promise<void> {
  const found = findPython();
  if (!found) {
    console.log('zoo:full skipped: no python with torch and torchvision (apt-get install python3-torchvision, or set NEUROLENS_PYTHON)');
    return;
  }
  const only = process.argv.slice(2);
  const chosen = ARCHITECTURES.filter(([spec]) => only.length === 0 || only.includes(spec.split('@')[0]!));
  const dir = mkdtempSync(join(tmpdir(), 'neurolens-zoo-'));
  const images = join(dir, 'images');
  await writeImages(images);
  console.error(`zoo:full: torch/torchvision ${found.versions}, ${chosen.length} architecture(s), working in ${dir}`);
  const rows: Row[] = [];
  try {
    for (const [spec, name] of chosen) {
      const size = Number(spec.split('@')[1] ?? 224);
      const row: Row = { name, size };
      rows.push(row);
      const work = join(dir, spec.split('@')[0]!);
      const exported = spawnSync(found.python, [EXPORTER, work, spec], { encoding: 'utf8', maxBuffer: 64 << 20 });
      const line = exported.stdout.trim().split('\n').at(-1) ?? '';
      const result = (line.startsWith('{') ? JSON.parse(line) : { error: exported.stderr.trim().split('\n').at(-1) }) as { file?: string; error?: string };
      if (!result.file || !existsSync(result.file)) row.error = `export: ${result.error ?? 'no file'}`;
      else pipeline(result.file, images, work, row);
      console.error(`zoo:full: ${name}: ${row.error ?? 'ok'}`);
      // Full-size exports are 10–500 MB each; keep only one on disk at a time.
      rmSync(work, { recursive: true, force: true });
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  console.log(`torch/torchvision ${found.versions}\n\n${table(rows)}`);
}

await main();
