import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { directiveSchema, type Directive } from '../domain/directive';
import { InvalidInputError } from '../domain/errors';
import { registrySchema, type Registry } from '../domain/registry';
import { parseYamlText, validateYaml, issueAt, type ParsedYaml } from '../domain/yaml-input';
import { buildPlan, type DisseminationPlan } from '../domain/plan';
import { WorkingCalendar } from '../domain/calendar';
import type { CalendarData } from '../domain/holidays-vn';

// Error messages reach clerks, so zod speaks Vietnamese.
z.config(z.locales.vi());

function readText(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (e) {
    throw new InvalidInputError([{ file: path, path: '', message: `không đọc được tệp (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})` }]);
  }
}

export function loadDirective(path: string): { directive: Directive; parsed: ParsedYaml } {
  const parsed = parseYamlText(readText(path), path);
  return { directive: validateYaml(parsed, directiveSchema), parsed };
}

export function loadRegistry(path: string): Registry {
  return validateYaml(parseYamlText(readText(path), path), registrySchema);
}

const calendarFileSchema = z.record(
  z.string().regex(/^\d{4}$/),
  z.object({ daysOff: z.array(z.string()), workingSaturdays: z.array(z.string()).default([]), projected: z.boolean().optional() }),
);

/** An administrator's calendar file: the years it names replace the built-in ones. */
export function loadCalendarOverride(path: string): CalendarData {
  const data = validateYaml(parseYamlText(readText(path), path), calendarFileSchema);
  new WorkingCalendar(data); // throws on a malformed date, before anything starts
  return data;
}

/** Loads, validates and resolves a directive against a registry; any problem names file, line and field. */
export function loadPlan(directivePath: string, registryPath: string, opts: { now: number; calendar: WorkingCalendar }): DisseminationPlan {
  const { directive, parsed } = loadDirective(directivePath);
  const registry = loadRegistry(registryPath);
  const { plan, issues } = buildPlan(directive, registry, opts);
  if (!plan) throw new InvalidInputError(issues.map((i) => issueAt(parsed, i.path, i.message)));
  return plan;
}
