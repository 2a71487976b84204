/**
 * Encodes text as Windows-1258, as Vietnamese Windows saves an "ANSI" file: base letters (with â, ê, ô,
 * ơ, ư, ă, đ precomposed) followed by combining tone marks. Node decodes this code page but has no encoder.
 */
export function toWindows1258(text: string): Uint8Array {
  const decoder = new TextDecoder('windows-1258');
  const table = new Map<string, number>();
  for (let b = 0; b < 256; b++) table.set(decoder.decode(Uint8Array.of(b)), b);
  const chars = [...text.normalize('NFD')];
  const out: number[] = [];
  const byte = (c: string) => {
    const b = table.get(c);
    if (b === undefined) throw new Error(`not in Windows-1258: ${c}`);
    out.push(b);
  };
  for (let i = 0; i < chars.length;) {
    // A base letter and its marks ("ộ" = o, dot below, circumflex): one mark may fold into the letter (ô).
    const base = chars[i++]!;
    const marks: string[] = [];
    while (i < chars.length && /\p{M}/u.test(chars[i]!)) marks.push(chars[i++]!);
    const fold = marks.findIndex((m) => table.has((base + m).normalize('NFC')));
    if (fold === -1) byte(base);
    else byte((base + marks.splice(fold, 1)[0]!).normalize('NFC'));
    marks.forEach(byte);
  }
  return Uint8Array.from(out);
}
