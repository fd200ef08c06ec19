/**
 * Named snapshot tests for reports (Observable Plot style): the rendered text must equal the file
 * `<test dir>/__snapshots__/<name>`. `UPDATE_SNAPSHOTS=1 npm test -- <filter>` rewrites snapshots;
 * a missing snapshot is written, and fails under CI so that it gets committed.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export function matchSnapshot(testDir: string, name: string, actual: string): void {
  const dir = join(testDir, '__snapshots__');
  const path = join(dir, name);
  if (process.env.UPDATE_SNAPSHOTS === '1' || !existsSync(path)) {
    mkdirSync(dir, { recursive: true });
    writeFileSync(path, actual);
    if (process.env.CI) assert.fail(`snapshot ${name} was missing; it has been written — commit it`);
    return;
  }
  assert.equal(actual, readFileSync(path, 'utf8'), `output differs from snapshot ${name} (UPDATE_SNAPSHOTS=1 to accept)`);
}
