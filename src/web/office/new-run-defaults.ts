import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { localDateOf } from '../../domain/calendar';
import type { Directive } from '../../domain/directive';
import { REMEMBERED_FIELDS, type RunForm } from './new-run-fields';

const file = (dataDir: string) => join(dataDir, 'new-run-defaults.json');

/**
 * A new form starts from the last directive the Office started (who issues, who signs, whom to call),
 * dated today; the first one starts empty. Not a secret: names and titles printed on every directive.
 */
export function formDefaults(dataDir: string, now: number): RunForm {
  let kept: Record<string, string> = {};
  try {
    kept = JSON.parse(readFileSync(file(dataDir), 'utf8')) as Record<string, string>;
  } catch {
    // None yet.
  }
  const fields: Record<string, string> = { urgency: 'thuong', confidentiality: 'thuong', date: localDateOf(now) };
  for (const k of REMEMBERED_FIELDS) if (typeof kept[k] === 'string') fields[k] = kept[k];
  Object.assign(fields, { esc1Notify: 'head', esc2Notify: 'leader', esc3Notify: 'office' });
  return { fields, picks: [] };
}

/** What the next form starts from, taken from the directive just started (by form or by YAML). */
export function rememberForm(dataDir: string, d: Directive): void {
  const kept: Record<(typeof REMEMBERED_FIELDS)[number], string> = {
    symbol: d.symbol,
    place: d.place,
    type: d.type,
    issuerName: d.issuer.name,
    issuerCode: d.issuer.code,
    issuerParent: d.issuer.parent ?? '',
    office: d.office,
    signerAuthority: d.signer.authority,
    signerAuthorityTitle: d.signer.authorityTitle ?? '',
    signerTitle: d.signer.title,
    signerName: d.signer.name,
    contactUnit: d.contact.unit,
    contactPhone: d.contact.phone ?? '',
    contactEmail: d.contact.email ?? '',
  };
  try {
    mkdirSync(dataDir, { recursive: true });
    writeFileSync(file(dataDir), JSON.stringify(kept, null, 1));
  } catch {
    // A convenience: a run that started must not look failed because this could not be written.
  }
}
