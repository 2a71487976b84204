/** Markup that is already safe; everything else put into a template is escaped. */
export class Html {
  constructor(readonly value: string) {}
  toString(): string {
    return this.value;
  }
}

export const raw = (s: string): Html => new Html(s);

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
export const esc = (s: unknown): string => String(s).replace(/[&<>"']/g, (c) => ESCAPES[c]!);

function part(v: unknown): string {
  if (v === undefined || v === null || v === false) return '';
  if (v instanceof Html) return v.value;
  if (Array.isArray(v)) return v.map(part).join('');
  return esc(v);
}

/** A template tag that escapes every interpolated value unless it is Html (or an array of Html). */
export function html(strings: TemplateStringsArray, ...values: unknown[]): Html {
  let out = strings[0]!;
  values.forEach((v, i) => (out += part(v) + strings[i + 1]!));
  return new Html(out);
}

export interface PageOptions {
  title: string;
  body: Html;
  /** Links in the header bar (the Office's pages). */
  nav?: Html;
}

/** The one layout: served CSS (no CDN), a skip link, a readable width on phones. */
export function page({ title, body, nav }: PageOptions): string {
  return `<!doctype html>
<html lang="vi">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>${esc(title)} — chidao</title>
<link rel="stylesheet" href="/assets/app.css">
</head>
<body>
<a class="skip" href="#main">Bỏ qua, tới nội dung chính</a>
<header><span class="brand">chidao</span>${nav ? `<nav aria-label="Điều hướng">${nav.value}</nav>` : ''}</header>
<main id="main" tabindex="-1">
<h1>${esc(title)}</h1>
${body.value}
</main>
</body>
</html>`;
}

export const CSS = `
:root { --fg:#1b1f24; --muted:#57606a; --line:#d0d7de; --accent:#0b5cad; --bad:#b42318; --bad-bg:#fdecea; --ok:#1a7f37; --ok-bg:#e6f4ea; --bg:#fff; }
* { box-sizing: border-box; }
body { margin:0; font: 16px/1.5 system-ui, "Segoe UI", Roboto, "Noto Sans", Arial, sans-serif; color:var(--fg); background:var(--bg); }
header { display:flex; flex-wrap:wrap; gap:.5rem 1.5rem; align-items:center; padding:.6rem 1rem; background:#0b3d6e; color:#fff; }
header a, header button { color:#fff; }
.brand { font-weight:700; letter-spacing:.02em; }
nav { display:flex; flex-wrap:wrap; gap:1rem; align-items:center; }
nav form { display:inline; margin:0; }
nav button { background:none; border:1px solid #fff8; padding:.2rem .6rem; }
main { max-width: 72rem; margin: 0 auto; padding: 1rem; }
main:focus { outline:none; }
h1 { font-size:1.5rem; margin:.5rem 0 1rem; }
h2 { font-size:1.2rem; margin:1.5rem 0 .5rem; }
a { color:var(--accent); }
:focus-visible { outline:3px solid #f59e0b; outline-offset:2px; }
.skip { position:absolute; left:-999px; top:0; background:#fff; padding:.5rem; }
.skip:focus { left:.5rem; z-index:10; }
.notice { padding:.75rem 1rem; border-radius:6px; margin:1rem 0; border:1px solid var(--line); background:#f6f8fa; }
.notice.ok { background:var(--ok-bg); border-color:#a6d8b5; }
.notice.bad { background:var(--bad-bg); border-color:#f3b4ae; }
dl.facts { display:grid; grid-template-columns: minmax(8rem, max-content) 1fr; gap:.25rem 1rem; }
dl.facts dt { color:var(--muted); }
dl.facts dd { margin:0; }
form.stack { display:grid; gap:.75rem; max-width: 40rem; margin: .5rem 0 1.5rem; }
label { font-weight:600; }
input, textarea, select, button { font:inherit; }
input[type=text], input[type=password], input[type=date], input[type=number], input[type=email], input:not([type]), textarea, select { width:100%; padding:.45rem .6rem; border:1px solid #8c959f; border-radius:6px; }
textarea { min-height: 8rem; }
button, .button { display:inline-block; padding:.55rem 1rem; border-radius:6px; border:1px solid var(--accent); background:var(--accent); color:#fff; cursor:pointer; text-decoration:none; }
button.secondary { background:#fff; color:var(--accent); }
button.danger { background:var(--bad); border-color:var(--bad); }
.hint { color:var(--muted); font-size:.9rem; }
.field-error { color:#b42318; margin:.25rem 0 0; }
[aria-invalid=true] { border-color:#b42318; }
fieldset { border:1px solid var(--line); border-radius:6px; }
label.check { font-weight:400; display:inline-flex; gap:.35rem; align-items:center; margin-right:1rem; }
.filters { display:flex; flex-wrap:wrap; gap:.5rem 1rem; align-items:end; margin:.5rem 0 1rem; }
.filters label { display:grid; font-weight:400; }
.table-wrap { overflow-x:auto; border:1px solid var(--line); border-radius:6px; }
table { border-collapse:collapse; width:100%; }
th, td { text-align:left; padding:.4rem .6rem; border-bottom:1px solid var(--line); vertical-align:top; }
th { background:#f6f8fa; position:sticky; top:0; }
td.num, th.num { text-align:right; }
tr.overdue td { background:var(--bad-bg); }
.badge { display:inline-block; padding:0 .4rem; border-radius:4px; font-size:.85rem; background:#eaeef2; }
.badge.bad { background:var(--bad); color:#fff; }
.badge.ok { background:var(--ok); color:#fff; }
.cards { display:grid; grid-template-columns: repeat(auto-fit, minmax(9rem, 1fr)); gap:.75rem; margin:1rem 0; }
.card { border:1px solid var(--line); border-radius:6px; padding:.6rem .8rem; }
.card b { display:block; font-size:1.5rem; }
.chart svg { max-width:100%; height:auto; }
ol.timeline { padding-left:1.2rem; }
ol.timeline li { margin:.2rem 0; }
.actions { display:grid; grid-template-columns: repeat(auto-fit, minmax(18rem, 1fr)); gap: 1rem 2rem; }
@media (max-width: 40rem) { dl.facts { grid-template-columns: 1fr; } dl.facts dt { margin-top:.4rem; } main { padding:.75rem; } }
`;
