/**
 * The CLI's help, as named snapshots (test/cli/__snapshots__/help-*.txt) so that every change to
 * an option's wording or default shows up as a diff; and the rules every help text keeps.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Command } from 'commander';
import { allCommands, buildProgram } from '../../src/cli/program.js';
import { isRequired } from '../../src/cli/options.js';
import { matchSnapshot } from '../helpers/snapshot.js';

const program = buildProgram({ helpWidth: 100 });
const commands = allCommands(program);


function fullName(command: Command): string {
  const names: string[] = [];
  for (let c: Command | null = command; c?.parent; c = c.parent) names.unshift(c.name());
  return names.length === 0 ? 'neurolens' : names.join('-');
}

/** What `--help` prints, footers included (helpInformation() leaves those out). */
function helpText(command: Command): string {
  let text = '';
  command.configureOutput({ writeOut: (s) => (text += s) });
  command.outputHelp();
  return text;
}

/** The help line(s) of one option: its flags, then the wrapped description. */
function optionBlock(help: string, flags: string): string {
  const lines = help.split('\n');
  const start = lines.findIndex((l) => l.trimStart().startsWith(`${flags} `) || l.trim() === flags);
  assert.ok(start >= 0, `option ${flags} not in help`);
  const block = [lines[start]!];
  for (const l of lines.slice(start + 1)) {
    if (!/^ {10,}\S/.test(l)) break;
    block.push(l);
  }
  return block.join(' ');
}

test('help: a named snapshot for the top level and every command', () => {
  assert.ok(commands.length >= 14, `expected every command, got ${commands.map(fullName).join(', ')}`);
  for (const command of commands) matchSnapshot(import.meta.dirname, `help-${fullName(command)}.txt`, helpText(command));
});

test('help: every default is printed once, in one form', () => {
  for (const command of commands) {
    const help = helpText(command);
    for (const option of command.options.filter((o) => !o.hidden)) {
      const block = optionBlock(help, option.flags);
      assert.ok((block.match(/default:/g) ?? []).length <= 1, `${fullName(command)} ${option.flags}: default printed twice: ${block}`);
      // "(default 0)" or "default: …" inside a description is a default the help does not know about.
      assert.doesNotMatch(block, /\(default\b(?!:)|default: [^)]*\) \(/, `${fullName(command)} ${option.flags}: default written by hand: ${block}`);
    }
  }
});

test('help: required options are marked alike, by the help and nowhere else', () => {
  for (const command of commands) {
    const help = helpText(command);
    for (const option of command.options.filter((o) => !o.hidden)) {
      const block = optionBlock(help, option.flags);
      const marked = /\((required)[;)]/.test(block);
      assert.equal(marked, isRequired(option), `${fullName(command)} ${option.flags}: ${block}`);
      assert.equal((block.match(/required/g) ?? []).length, marked ? 1 : 0, `${fullName(command)} ${option.flags}: "required" written by hand: ${block}`);
    }
  }
});

test('help: starts a new user at the demo, and printed commands use npx', () => {
  const top = helpText(program);
  assert.match(top, /Start with `npx neurolens demo --quick`/);
  const list = top.slice(top.indexOf('Commands:'));
  assert.ok(list.indexOf('demo') < list.indexOf('inspect'), 'demo comes first in the command list');
  for (const command of commands) assert.doesNotMatch(helpText(command), /(?<!npx )`neurolens /, `${fullName(command)}: a printed command without npx`);
});
