/**
 * How every command's help describes an option, so that all commands read alike: the description,
 * then one parenthesis with "required", the choices and the default, each printed once. Commander
 * prints a default only when it also sets it; here a default the library applies (shown with
 * `shownDefault` in ./options.ts) is printed the same way.
 */
import type { Help, HelpConfiguration, Option } from 'commander';
import { isRequired } from './options.js';

function describeDefault(option: Option): string | undefined {
  if (option.defaultValueDescription !== undefined) return option.defaultValueDescription;
  const value: unknown = option.defaultValue;
  // Flags (no value) default to false/undefined, which says nothing to a user.
  if (value === undefined || typeof value === 'boolean') return undefined;
  return Array.isArray(value) ? value.join(',') : String(value);
}

export function optionDescription(option: Option): string {
  const extra: string[] = [];
  if (isRequired(option)) extra.push('required');
  if (option.argChoices) extra.push(`choices: ${option.argChoices.join(', ')}`);
  const shown = describeDefault(option);
  if (shown !== undefined) extra.push(`default: ${shown}`);
  if (extra.length === 0) return option.description;
  return `${option.description} (${extra.join('; ')})`;
}

/** The help settings of the root program, inherited by every command created after them. */
export function helpConfiguration(helpWidth?: number): HelpConfiguration {
  return {
    optionDescription: (option: Option) => optionDescription(option),
    sortSubcommands: false,
    ...(helpWidth === undefined ? {} : { helpWidth }),
  } satisfies Partial<Help>;
}
