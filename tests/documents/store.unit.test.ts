import { createHash } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DocumentStore, documentType, MAX_DOCUMENT_BYTES } from '../../src/documents/store';

const store = () => {
  const dir = mkdtempSync(join(tmpdir(), 'chidao-documents-'));
  return { dir, docs: new DocumentStore(dir) };
};
const pdf = Buffer.from('%PDF-1.7\n% công văn 4432\n');

describe('the signed documents store', () => {
  it('keeps a document once under its SHA-256 and gives back the same bytes', () => {
    const { docs } = store();
    const ref = docs.put('Công văn 4432.pdf', pdf);
    expect(ref).toEqual({
      fileName: 'Công văn 4432.pdf',
      sha256: createHash('sha256').update(pdf).digest('hex'),
      size: pdf.length,
      mediaType: 'application/pdf',
    });
    expect(docs.put('ban-khac-ten.pdf', pdf).sha256).toBe(ref.sha256);
    expect(docs.read(ref).equals(pdf)).toBe(true);
    expect(docs.has(ref.sha256)).toBe(true);
    expect(docs.has('../../etc/passwd')).toBe(false);
  });

  it('a stored file changed on disk is refused, never served or attached', () => {
    const { dir, docs } = store();
    const ref = docs.put('cv.pdf', pdf);
    writeFileSync(join(dir, 'documents', ref.sha256), Buffer.from('%PDF-1.7\n% bản khác\n'));
    expect(() => docs.read(ref)).toThrow(/đã bị thay đổi trên đĩa; không gửi bản khác bản đã ký/);
  });

  it('refuses a file whose content does not match its extension, an unknown type, an empty or oversized one', () => {
    expect(() => documentType('cv.pdf', Buffer.from('MZ\x90\x00'))).toThrow('Tệp cv.pdf không phải PDF thật');
    expect(() => documentType('cv.docx', pdf)).toThrow('Tệp cv.docx không phải DOCX thật');
    expect(() => documentType('cv.exe', pdf)).toThrow('Văn bản ký số phải là tệp PDF (hoặc DOCX, ODT).');
    expect(documentType('cv.ODT', Buffer.from([0x50, 0x4b, 0x03, 0x04, 0]))).toBe(
      'application/vnd.oasis.opendocument.text',
    );
    const { docs } = store();
    expect(() => docs.put('rong.pdf', Buffer.alloc(0))).toThrow('Tệp văn bản rỗng.');
    expect(() => docs.put('lon.pdf', Buffer.concat([pdf, Buffer.alloc(MAX_DOCUMENT_BYTES)]))).toThrow(/quá 20 MiB/);
  });
});
