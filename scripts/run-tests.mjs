// Runs every test/**/*.test.ts with node's test runner (TypeScript through tsx) and ends with a
// plain `N passed, N failed` line that CI reads. Extra arguments filter files by substring.
//
// Two runners work side by side (the machine has 2 cores and most test files are one process
// each): one runs the demo test and then the explorer's e2e tests, which reuse the demo's output
// (NEUROLENS_TEST_SHARED), the other runs everything else. The first one's report is printed
// when it ends, so the two never interleave.
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync, mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';

function findTests(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return findTests(path);
    return entry.name.endsWith('.test.ts') ? [path] : [];
  });
}

const filters = process.argv.slice(2);
const files = findTests('test').sort().filter((f) => filters.length === 0 || filters.some((s) => f.includes(s)));
if (files.length === 0) {
  console.error('run-tests: no test files matched');
  process.exit(1);
}
const scratch = mkdtempSync(join(tmpdir(), 'neurolens-tests-'));
const env = { ...process.env, NEUROLENS_TEST_SHARED: process.env.NEUROLENS_TEST_SHARED ?? scratch };
const isDemoChain = (f) => f.includes(join('test', 'demo', 'demo.test.ts')) || f.includes(join('test', 'e2e') + '/');
const groups = [files.filter(isDemoChain), files.filter((f) => !isDemoChain(f))].filter((g) => g.length > 0);

/** Runs one group; its spec report goes to stdout (`live`) or to a log printed at the end. */
function runGroup(group, index, live) {
  const tap = join(scratch, `report-${index}.tap`);
  const log = join(scratch, `spec-${index}.txt`);
  const args = ['--import', 'tsx', '--test', '--test-reporter=spec', `--test-reporter-destination=${live ? 'stdout' : log}`,
    '--test-reporter=tap', `--test-reporter-destination=${tap}`, ...group];
  return new Promise((resolve) => {
    const child = spawn(process.execPath, args, { stdio: live ? 'inherit' : ['ignore', 'ignore', 'pipe'], env });
    const errors = [];
    child.stderr?.on('data', (d) => errors.push(d));
    child.on('close', (code) => resolve({ code, tap, log: live ? undefined : log, stderr: Buffer.concat(errors).toString() }));
  });
}

const results = await Promise.all(groups.map((g, i) => runGroup(g, i, i === groups.length - 1)));
let passed = 0;
let failed = 0;
let skipped = 0;
let ok = true;
for (const r of results) {
  if (r.log) {
    try {
      process.stdout.write(readFileSync(r.log, 'utf8'));
    } catch {
      // No report: the runner failed before any test; its stderr says why.
    }
    process.stderr.write(r.stderr);
  }
  try {
    const tap = readFileSync(r.tap, 'utf8');
    passed += Number(/^# pass (\d+)/m.exec(tap)?.[1] ?? 0);
    failed += Number(/^# fail (\d+)/m.exec(tap)?.[1] ?? 0) + Number(/^# cancelled (\d+)/m.exec(tap)?.[1] ?? 0);
    skipped += Number(/^# skipped (\d+)/m.exec(tap)?.[1] ?? 0);
  } catch {
    failed = Math.max(failed, 1);
  }
  ok &&= r.code === 0;
}
rmSync(scratch, { recursive: true, force: true });
console.log(`${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exit(ok && failed === 0 ? 0 : 1);
