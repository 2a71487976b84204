/** What a recipient is asked to do. Only `implement` recipients get deadlines. */
export const ROLES = ['implement', 'report', 'coordinate', 'inform', 'archive'] as const;
export type Role = (typeof ROLES)[number];

export const ROLE_LABEL: Record<Role, string> = {
  implement: 'thực hiện',
  report: 'để báo cáo',
  coordinate: 'để phối hợp',
  inform: 'để biết',
  archive: 'lưu',
};

/**
 * The purpose written in "Nơi nhận" is custom, not a closed list (Decree 30), so we keep the original
 * text and map it to a role by its usual abbreviations.
 */
export function roleFromPurpose(purpose: string): Role | undefined {
  const p = purpose.normalize('NFC').toLowerCase().replace(/\s+/g, ' ').trim();
  if (/(^|\()để b\/?c\b|để báo cáo/.test(p)) return 'report';
  if (/(^|\()để p\/?h\b|để phối hợp/.test(p)) return 'coordinate';
  if (/để biết|để t\/?d\b|để theo dõi/.test(p)) return 'inform';
  if (/^lưu\b/.test(p)) return 'archive';
  if (/như trên|kính gửi|thực hiện|để t\/?h\b/.test(p)) return 'implement';
  return undefined;
}

/** A stronger role wins when a unit is named twice (in a group and by itself). */
export function strongerRole(a: Role, b: Role): Role {
  return ROLES.indexOf(a) <= ROLES.indexOf(b) ? a : b;
}
