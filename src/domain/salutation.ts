/**
 * "Kính gửi: <title> <name>" without saying the title twice. Registries often write a head's name with
 * the title already in it ("Trưởng Ban Nguyễn Văn A", or only "Trưởng Ban Pháp chế"), and text pasted
 * from Word arrives decomposed (NFD) or with stray spaces, so the comparison is on NFC, case-folded,
 * whitespace-collapsed words.
 */

/** Forms of address a registry may put before a name; they do not hide a title that follows them. */
const HONORIFICS = ['đồng chí', 'ông', 'bà'];

const tidy = (s: string | undefined): string => (s ?? '').normalize('NFC').replace(/\s+/g, ' ').trim();
const fold = (s: string): string => s.toLocaleLowerCase('vi');

/** Whether `text` begins with the words of `prefix` (whole words, case-insensitive). */
function startsWithWords(text: string, prefix: string): boolean {
  const t = fold(text);
  const p = fold(prefix);
  return t === p || t.startsWith(p + ' ');
}

function withoutHonorific(name: string): string {
  for (const h of HONORIFICS) if (startsWithWords(name, h)) return name.slice(h.length).trim();
  return name;
}

/** The addressee of a person: title and name once each, NFC, single spaces. */
export function salutation(person: { title?: string | undefined; name: string }): string {
  const title = tidy(person.title);
  const name = tidy(person.name);
  if (!title) return name;
  if (!name) return title;
  if (startsWithWords(name, title) || startsWithWords(withoutHonorific(name), title)) return name;
  return `${title} ${name}`;
}

/**
 * An addressee already built as "title name" whose name repeated the title ("Trưởng Ban Trưởng Ban
 * Pháp chế"): the repeated leading words are said once. Only phrases of two words or more count, so a
 * name whose first syllable happens to repeat is left alone.
 */
export function collapseRepeatedTitle(addressee: string): string {
  const s = tidy(addressee);
  const words = s.split(' ');
  for (let k = Math.floor(words.length / 2); k >= 2; k--) {
    const head = words.slice(0, k).join(' ');
    if (fold(head) === fold(words.slice(k, 2 * k).join(' '))) return words.slice(k).join(' ');
  }
  return s;
}
