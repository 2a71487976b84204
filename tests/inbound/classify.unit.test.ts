import { describe, expect, it } from 'vitest';
import { classify, ownWords } from '../../src/inbound/classify';
import { parseOurId, unitOf } from '../../src/inbound/our-ids';
import { compose, sample as fixture } from '../helpers/mail-samples';

const DOMAIN = 'chidao.local';
const ID = '<2023-4432-TCTHADS-VP.THADS.HCM.dispatch.0@chidao.local>';
const RCPT = 'thads.hcm@hcm.example.vn';

const CHECK = 'Xo1-kiem_tra_22kytu';
const sample = (name: string) => fixture(name, ID, RCPT, CHECK);

describe('our Message-IDs read back', () => {
  it('run key, a unit code with dots, kind and sequence; Đ comes back from "_"', () => {
    expect(parseOurId(ID, DOMAIN)).toEqual({
      id: ID,
      runKey: '2023-4432-TCTHADS-VP',
      party: 'THADS.HCM',
      kind: 'dispatch',
      seq: 0,
    });
    expect(parseOurId('<2023-7-_KL.HN.reminder.3@chidao.local>', DOMAIN)?.runKey).toBe('2023-7-ĐKL');
    expect(unitOf(parseOurId('<2023-7-VP.HN~head.escalation.4@chidao.local>', DOMAIN)!)).toBeUndefined();
    expect(parseOurId('<2023-7-VP.HN.reminder.3@other.example>', DOMAIN)).toBeUndefined();
    expect(parseOurId('<random@chidao.local>', DOMAIN)).toBeUndefined();
  });
});

describe('delivery status notifications in the shapes servers write', () => {
  it.each([
    ['postfix-dsn', '5.1.1', /User unknown/],
    ['exchange-ndr', '5.1.10', /RecipientNotFound/],
    ['gmail-dsn', '5.1.1', /does not exist/],
    ['qmail-bounce', '5.1.1', /no mailbox here/],
  ])('%s: a permanent failure of the recipient, matched to our message', async (name, status, diagnostic) => {
    const m = await classify(sample(name), DOMAIN, ['chidao@thads.example.gov.vn']);
    expect(m.kind).toBe('bounce');
    expect(m.refs.map((r) => r.id)).toEqual([ID]);
    expect(m.recipients).toHaveLength(1);
    expect(m.recipients[0]).toMatchObject({ address: RCPT, action: 'failed', status });
    expect(m.recipients[0]!.diagnostic).toMatch(diagnostic);
    // The returned copy quotes the check our message carried.
    expect(m.checks).toEqual([CHECK]);
  });

  it('a delayed report (4.x.x) is a bounce whose recipient is only delayed', async () => {
    const m = await classify(sample('delayed-dsn'), DOMAIN);
    expect(m.kind).toBe('bounce');
    expect(m.recipients).toEqual([expect.objectContaining({ address: RCPT, action: 'delayed', status: '4.4.1' })]);
  });

  it('an out-of-office answer to our dispatch is an auto-reply, not an acknowledgement', async () => {
    const m = await classify(sample('out-of-office'), DOMAIN);
    expect(m).toMatchObject({ kind: 'auto-reply', from: RCPT });
    expect(m.refs.map((r) => r.id)).toEqual([ID]);
  });
});

describe('replies', () => {
  it('a reply names our message, keeps its own words without the quote, and carries its attachments', async () => {
    const raw = await compose({
      from: `"Văn thư Cục" <${RCPT}>`,
      to: 'chidao@thads.example.gov.vn',
      subject: 'Re: Công văn số 4432',
      messageId: '<r1@hcm.example.vn>',
      inReplyTo: ID,
      references: [ID],
      text: 'Đã nhận công văn.\n\nVào Thứ Tư, 22/11/2023, Văn phòng viết:\n> Kính gửi đơn vị',
      attachments: [{ filename: 'bao-cao.pdf', content: Buffer.from('%PDF-1.4\n%%EOF\n') }],
    });
    const m = await classify(raw, DOMAIN);
    expect(m).toMatchObject({ kind: 'reply', from: RCPT, fromName: 'Văn thư Cục', messageId: '<r1@hcm.example.vn>' });
    expect(m.refs.map((r) => r.id)).toEqual([ID]);
    expect(m.text).toBe('Đã nhận công văn.');
    expect(m.attachments.map((a) => a.fileName)).toEqual(['bao-cao.pdf']);
  });

  it('a message that names none of our messages is "other"', async () => {
    const raw = await compose({ from: RCPT, to: 'chidao@x.vn', subject: 'Hỏi', text: 'Xin hỏi', messageId: '<q@x>' });
    expect((await classify(raw, DOMAIN)).kind).toBe('other');
  });

  it('quoted text goes, in the shapes of common clients', () => {
    expect(ownWords('Đã nhận.\n-----Original Message-----\nFrom: a')).toBe('Đã nhận.');
    expect(ownWords('Đã nhận.\nOn Wed, Nov 22, 2023 at 9:00 AM Văn phòng <a@b> wrote:\n> x')).toBe('Đã nhận.');
    expect(ownWords('Đã nhận.\n> trích')).toBe('Đã nhận.');
  });
});
