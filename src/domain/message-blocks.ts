/**
 * A message body as a list of blocks that renders to both plain text and HTML (every value escaped).
 */

/** The unit's own signed links (acknowledge, report, status), when the message is to a unit. */
export interface UnitLinks {
  acknowledge: string;
  report: string;
  status: string;
}

export interface RenderedMessage {
  subject: string;
  text: string;
  html: string;
  /** The directive as a text file, on dispatch messages. */
  attachment?: { filename: string; content: string };
}

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

/**
 * A message body is a list of blocks; one list renders to both plain text and HTML, so the two never
 * say different things. Every value is escaped in HTML.
 */
export type Block =
  | { p: string }
  | { strong: string }
  | { list: string[] }
  | { link: string; href: string }
  | { table: [string, string][] }
  | { pre: string };

export function toText(blocks: Block[]): string {
  return blocks
    .map((b) => {
      if ('p' in b) return b.p;
      if ('strong' in b) return b.strong.toUpperCase();
      if ('list' in b) return b.list.map((x) => `- ${x}`).join('\n');
      if ('link' in b) return `${b.link}:\n${b.href}`;
      if ('table' in b) return b.table.map(([k, v]) => `${k}: ${v}`).join('\n');
      return b.pre;
    })
    .join('\n\n')
    .concat('\n');
}

export function toHtml(title: string, blocks: Block[]): string {
  const body = blocks
    .map((b) => {
      if ('p' in b) return `<p>${escapeHtml(b.p).replace(/\n/g, '<br>')}</p>`;
      if ('strong' in b) return `<p><strong>${escapeHtml(b.strong)}</strong></p>`;
      if ('list' in b) return `<ul>${b.list.map((x) => `<li>${escapeHtml(x)}</li>`).join('')}</ul>`;
      if ('link' in b)
        return `<p><a href="${escapeHtml(b.href)}" style="display:inline-block;padding:8px 14px;background:#b3261e;color:#fff;text-decoration:none;border-radius:4px">${escapeHtml(b.link)}</a></p>`;
      if ('table' in b)
        return `<table style="border-collapse:collapse">${b.table
          .map(
            ([k, v]) =>
              `<tr><th style="text-align:left;padding:2px 12px 2px 0">${escapeHtml(k)}</th><td>${escapeHtml(v)}</td></tr>`,
          )
          .join('')}</table>`;
      return `<pre style="white-space:pre-wrap;font-family:inherit">${escapeHtml(b.pre)}</pre>`;
    })
    .join('\n');
  return `<!doctype html><html lang="vi"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title></head><body style="font-family:'Times New Roman',serif;font-size:15px;line-height:1.5;max-width:720px">\n${body}\n</body></html>`;
}
