import { readFileSync } from 'node:fs';
import MailComposer from 'nodemailer/lib/mail-composer';

/**
 * A sample from tests/fixtures/mail (bounces in the shapes Postfix, Exchange, Gmail and qmail write, an
 * out-of-office answer), about our message `id` to the unit's address `rcpt`, quoting its X-Chidao-Check
 * `check`, with CRLF line ends.
 */
export function sample(name: string, id: string, rcpt: string, check = ''): Buffer {
  const text = readFileSync(new URL(`../fixtures/mail/${name}.eml`, import.meta.url), 'utf8')
    .replaceAll('{{CHECK}}', check)
    .replaceAll('{{MESSAGE_ID}}', id)
    .replaceAll('{{RCPT_DOMAIN}}', rcpt.split('@')[1]!)
    .replaceAll('{{RCPT}}', rcpt);
  return Buffer.from(text.replace(/\r?\n/g, '\r\n'));
}

/** A message as a mail client writes it (nodemailer's MIME composer). */
export const compose = (o: ConstructorParameters<typeof MailComposer>[0]): Promise<Buffer> =>
  new MailComposer(o).compile().build();
