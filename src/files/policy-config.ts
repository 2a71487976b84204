import type { Config } from '../config';
import { DEFAULT_URGENCY_POLICIES, type UrgencyPolicies } from '../domain/urgency-policies';
import { loadUrgencyPolicies } from './load';

/** The follow-up per urgency in effect: the built-in table, with the administrator's file over it. */
export function policiesFromConfig(cfg: Pick<Config, 'CHIDAO_POLICY_FILE'>): UrgencyPolicies {
  const path = cfg.CHIDAO_POLICY_FILE;
  return path ? loadUrgencyPolicies(path) : DEFAULT_URGENCY_POLICIES;
}
