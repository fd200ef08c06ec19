import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Command } from 'commander';
import { registerProbe } from '../../src/cli/commands/probe.js';
import { runInProcess } from '../helpers/cli.js';
import { familyRun } from '../probes/helpers.js';

const fixture = familyRun();

function cli(...args: string[]) {
  const program = new Command().name('neurolens').exitOverride().configureOutput({ writeErr: () => {}, writeOut: () => {} });
  registerProbe(program);
  return runInProcess(program, ['probe', ...args]);
}

test('probe CLI: no best-read claim below the floor of test positives; with a lower floor, the claim carries its intervals', { timeout: 120_000 }, async () => {
  const { run, labels } = await fixture;
  const base = ['--run', run, '--labels', labels, '--layers', 'layer2.0', '--bootstrap-resamples', '200'];
  // About 5 test positives per colour family: none reaches the default floor of 10.
  const plain = await cli(...base);
  assert.equal(plain.code, 0, plain.stderr);
  assert.match(plain.stdout, /no concept has 10 or more test positives, so none is ranked; 3 concept\(s\) with fewer than 10 test positives not ranked: red \(\d+\), green \(\d+\), blue \(\d+\)/);
  assert.doesNotMatch(plain.stdout, /best read/);

  const lowered = await cli(...base, '--min-test-positives', '4');
  assert.equal(lowered.code, 0, lowered.stderr);
  assert.match(lowered.stdout, /best read concept \(≥ 4 test positives\): (red|green|blue), multi-neuron test AUC \d\.\d{3} \(95 % CI \d\.\d{3}–\d\.\d{3}\), accuracy \d\.\d{3} \(95 % CI \d\.\d{3}–\d\.\d{3}\), \d+ test positives/);
});

test('probe CLI: a floor that is not a positive integer is a one-line usage error', async () => {
  const { run, labels } = await fixture;
  const result = await cli('--run', run, '--labels', labels, '--min-test-positives', '0');
  assert.equal(result.code, 2);
  const lines = result.stderr.trim().split('\n');
  assert.equal(lines.length, 1, result.stderr);
  assert.match(lines[0]!, /--min-test-positives/);
});
