import { appendFileSync, existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import type { Config } from '../config';
import { DEFAULT_URGENCY_POLICIES, type Urgency, type UrgencyPolicies } from '../domain/urgency-policies';
import { loadUrgencyPolicies } from './load';
import { writePrivateAtomically } from './locked-json-map';

type PolicyConfig = Pick<Config, 'CHIDAO_POLICY_FILE' | 'CHIDAO_DATA_DIR'>;

/** Where the administrator's table lives when they keep it from the browser (the CHIDAO_POLICY_FILE format). */
export const browserPolicyFile = (cfg: Pick<Config, 'CHIDAO_DATA_DIR'>) =>
  join(cfg.CHIDAO_DATA_DIR, 'urgency-policies.yaml');

/** The table's file: the administrator's CHIDAO_POLICY_FILE, else the one the browser keeps, if any. */
export function policyFileInUse(cfg: PolicyConfig): string | undefined {
  if (cfg.CHIDAO_POLICY_FILE) return cfg.CHIDAO_POLICY_FILE;
  const kept = browserPolicyFile(cfg);
  return existsSync(kept) ? kept : undefined;
}

/** The follow-up per urgency in effect: the built-in table, with the administrator's over it. */
export function policiesFromConfig(cfg: PolicyConfig): UrgencyPolicies {
  const path = policyFileInUse(cfg);
  return path ? loadUrgencyPolicies(path) : DEFAULT_URGENCY_POLICIES;
}

/** What the browser's file writes for each urgency, as typed (strings): the form is filled from it. */
export function writtenPolicies(
  cfg: Pick<Config, 'CHIDAO_DATA_DIR'>,
): Partial<Record<Urgency, Record<string, unknown>>> {
  const file = browserPolicyFile(cfg);
  if (!existsSync(file)) return {};
  return (parse(readFileSync(file, 'utf8')) ?? {}) as Partial<Record<Urgency, Record<string, unknown>>>;
}

/**
 * Replaces one urgency's defaults in the browser's file (written whole, then renamed: a reader sees the
 * old table or the new one), and logs who changed what. The caller has validated `written`.
 */
export function savePolicy(
  cfg: Pick<Config, 'CHIDAO_DATA_DIR'>,
  urgency: Urgency,
  written: Record<string, unknown>,
  by: string,
  at: number,
): void {
  const file = browserPolicyFile(cfg);
  const table = writtenPolicies(cfg);
  const before = table[urgency];
  table[urgency] = written;
  writePrivateAtomically(
    file,
    `# Giữ từ trang /office/policies; mỗi độ khẩn ghi đè mặc định dựng sẵn.\n${stringify(table)}`,
  );
  appendFileSync(
    join(cfg.CHIDAO_DATA_DIR, 'policy-changes.jsonl'),
    JSON.stringify({ at: new Date(at).toISOString(), by, urgency, before: before ?? null, after: written }) + '\n',
    { mode: 0o600 },
  );
}
