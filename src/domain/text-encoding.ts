import { InvalidInputError } from './errors';

/** Input files as text: strict UTF-8, with the first bad byte located for a clerk. */
const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** Line (1-based) and column (1-based, in characters as the YAML parser counts them) of a byte offset. */
function bytePosition(bytes: Uint8Array, offset: number): { line: number; column: number } {
  const lineStart = bytes.lastIndexOf(0x0a, offset - 1) + 1;
  let line = 1;
  for (let i = bytes.indexOf(0x0a); i !== -1 && i < offset; i = bytes.indexOf(0x0a, i + 1)) line++;
  // The bytes before the offset on its line are valid UTF-8 (the offset is the first bad one).
  return { line, column: new TextDecoder().decode(bytes.subarray(lineStart, offset)).length + 1 };
}

/** Offset of the first byte that does not start a well-formed UTF-8 sequence (RFC 3629), or -1. */
export function firstInvalidUtf8(b: Uint8Array): number {
  let i = 0;
  while (i < b.length) {
    const c = b[i]!;
    if (c < 0x80) {
      i++;
      continue;
    }
    const n = c >= 0xc2 && c <= 0xdf ? 1 : c >= 0xe0 && c <= 0xef ? 2 : c >= 0xf0 && c <= 0xf4 ? 3 : 0;
    if (!n) return i;
    // The second byte's range excludes overlong forms, surrogates and code points above U+10FFFF.
    const lo = c === 0xe0 ? 0xa0 : c === 0xf0 ? 0x90 : 0x80;
    const hi = c === 0xed ? 0x9f : c === 0xf4 ? 0x8f : 0xbf;
    const c1 = b[i + 1];
    if (c1 === undefined || c1 < lo || c1 > hi) return i;
    for (let k = 2; k <= n; k++) if (((b[i + k] ?? 0) & 0xc0) !== 0x80) return i;
    i += n + 1;
  }
  return -1;
}

const SAVE_AS_UTF8 = 'Hãy mở tệp bằng trình soạn thảo và lưu lại với bảng mã UTF-8.';

/**
 * The text of an input file, refusing what is not UTF-8 instead of reading mojibake: files from old
 * office PCs are often Windows-1258 (or TCVN3/VNI), whose Vietnamese letters are invalid UTF-8. A UTF-8
 * byte-order mark (Notepad writes one) is dropped; UTF-16 is refused by its mark, or by its zero bytes.
 */
export function decodeUtf8(bytes: Uint8Array, file: string): string {
  const refuse = (message: string, at?: number): never => {
    throw new InvalidInputError([
      { file, path: '', message, ...(at === undefined ? { line: 1, column: 1 } : bytePosition(bytes, at)) },
    ]);
  };
  if ((bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes[0] === 0xfe && bytes[1] === 0xff))
    refuse(`tệp được lưu bằng bảng mã UTF-16 ("Unicode"), không phải UTF-8. ${SAVE_AS_UTF8}`);
  const body = bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? bytes.subarray(3) : bytes;
  // Zero bytes are valid UTF-8 but never in a text file: UTF-16 without its mark has one in every ASCII letter.
  const nul = body.indexOf(0);
  if (nul !== -1)
    refuse(
      `tệp có byte 0 (NUL): đây không phải tệp văn bản UTF-8 (có thể là UTF-16 không có dấu BOM, hoặc tệp Word/Excel). ${SAVE_AS_UTF8}`,
      nul + (body === bytes ? 0 : 3),
    );
  try {
    return utf8.decode(body);
  } catch {
    const at = firstInvalidUtf8(body) + (body === bytes ? 0 : 3);
    const hex = bytes[at]!.toString(16).toUpperCase().padStart(2, '0');
    return refuse(
      `tệp không phải UTF-8: byte 0x${hex} không hợp lệ (tệp có thể được lưu bằng Windows-1258, TCVN3 hoặc VNI trên máy cũ). ${SAVE_AS_UTF8}`,
      at,
    );
  }
}
