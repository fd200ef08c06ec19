// Runs every test/**/*.test.ts with node's test runner (TypeScript through tsx) and ends with a
// plain `N passed, N failed` line that CI reads. Extra arguments filter files by substring.
import { spawnSync } from 'node:child_process';
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
const tapFile = join(scratch, 'report.tap');
// The demo test leaves its `demo --quick` output under NEUROLENS_TEST_SHARED and the explorer's e2e
// tests (which run after it, files being sorted) reuse it instead of running the demo again.
const result = spawnSync(
  process.execPath,
  ['--import', 'tsx', '--test', '--test-reporter=spec', '--test-reporter-destination=stdout',
    '--test-reporter=tap', `--test-reporter-destination=${tapFile}`, ...files],
  { stdio: 'inherit', env: { ...process.env, NEUROLENS_TEST_SHARED: process.env.NEUROLENS_TEST_SHARED ?? scratch } },
);
let passed = 0;
let failed = 0;
let skipped = 0;
try {
  const tap = readFileSync(tapFile, 'utf8');
  passed = Number(/^# pass (\d+)/m.exec(tap)?.[1] ?? 0);
  failed = Number(/^# fail (\d+)/m.exec(tap)?.[1] ?? 0) + Number(/^# cancelled (\d+)/m.exec(tap)?.[1] ?? 0);
  skipped = Number(/^# skipped (\d+)/m.exec(tap)?.[1] ?? 0);
} catch {
  failed = Math.max(failed, 1);
}
rmSync(scratch, { recursive: true, force: true });
console.log(`${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exit(result.status === 0 && failed === 0 ? 0 : 1);
