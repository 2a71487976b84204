/**
 * Our Message-IDs name the act that sent them: <runKey.party.kind.seq@domain> (see domain/messages.ts).
 * Run keys hold no dot, and the only character of theirs that the id rewrites is "Đ" (to "_"), so the
 * key reads back exactly; unit codes keep their dots, so the party is what lies between.
 */
export interface OurMessage {
  id: string;
  runKey: string;
  /** A unit's code, or `CODE~head` and the like for people of the unit, or "office". */
  party: string;
  kind: string;
  seq: number;
}

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

export function parseOurId(id: string, domain: string): OurMessage | undefined {
  const m = new RegExp(`^<([^<>@\\s]+)@${escape(domain)}>$`, 'i').exec(id.trim());
  if (!m) return undefined;
  const local = m[1]!;
  const first = local.indexOf('.');
  const parts = local.slice(first + 1).split('.');
  if (first < 1 || parts.length < 3) return undefined;
  const seq = Number(parts.pop());
  const kind = parts.pop()!;
  const party = parts.join('.');
  const runKey = local.slice(0, first).replace(/_/g, 'Đ');
  if (!Number.isInteger(seq) || !/^\d{4}-\d+-[A-ZĐ0-9-]+$/.test(runKey) || !party) return undefined;
  return { id: `<${local}@${domain}>`, runKey, party, kind, seq };
}

/** Every one of our ids in a text (a bounce's returned headers, a reply's References), first seen first. */
export function ourIdsIn(text: string, domain: string): OurMessage[] {
  const seen = new Map<string, OurMessage>();
  for (const [id] of text.matchAll(new RegExp(`<[^<>@\\s]{1,300}@${escape(domain)}>`, 'gi'))) {
    const m = parseOurId(id, domain);
    if (m && !seen.has(m.id)) seen.set(m.id, m);
  }
  return [...seen.values()];
}

/** The unit a message was addressed to, when it went to the unit itself (not the Office, not a leader). */
export const unitOf = (m: OurMessage): string | undefined =>
  m.party === 'office' || m.party === 'leaders' || m.party.includes('~') ? undefined : m.party;
