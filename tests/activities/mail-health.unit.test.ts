import { describe, expect, it } from 'vitest';
import { describeMailHealth, type MailHealth } from '../../src/client/mail-health';
import { classify, RecipientRejected, SmtpUnavailable } from '../../src/activities/mailer';

/** The pure parts of the mail server's health: how the record reads, and which SMTP errors are an outage. */
describe('describing the record', () => {
  const base: MailHealth = {
    state: 'down',
    since: Date.parse('2026-11-25T07:02:00Z'),
    lastError: '421 4.3.2 Service not available',
    affectedRuns: [],
    moreAffectedRuns: 0,
    outages: 1,
  };
  const run = { runKey: '2026-1-X', ref: '1/X', subject: 's', officeName: 'VP', officeEmails: [] };
  it.each<[string, MailHealth | undefined, number, string | undefined]>([
    ['nothing known', undefined, 0, undefined],
    ['up', { ...base, state: 'up' }, 0, undefined],
    [
      'down 38 minutes, 2 runs',
      { ...base, affectedRuns: [run, { ...run, runKey: '2026-2-X' }] },
      38 * 60_000,
      'Đang chờ máy chủ thư: chưa gửi được từ 14:02 25/11/2026, đã 38 phút; thư của 2 văn bản đang chờ (lỗi gần nhất: 421 4.3.2 Service not available).',
    ],
    [
      'down past the bound',
      { ...base, affectedRuns: [run], moreAffectedRuns: 120 },
      2 * 3600_000 + 5 * 60_000,
      'Đang chờ máy chủ thư: chưa gửi được từ 14:02 25/11/2026, đã 2 giờ 5 phút; thư của 121 văn bản đang chờ (lỗi gần nhất: 421 4.3.2 Service not available).',
    ],
    [
      'down, no error or run known',
      { ...base, lastError: undefined as unknown as string },
      45_000,
      'Đang chờ máy chủ thư: chưa gửi được từ 14:02 25/11/2026, đã 45 giây.',
    ],
  ])('%s', (_name, h, after, expected) => {
    if (h && h.lastError === undefined) delete h.lastError;
    expect(describeMailHealth(h, (h?.since ?? 0) + after)).toBe(expected);
  });
});

describe('what counts as an outage', () => {
  const err = (o: object) => Object.assign(new Error((o as { message?: string }).message ?? 'x'), o);
  it.each<[string, object, 'rejected' | 'unavailable' | 'other']>([
    ['connection refused', { code: 'ESOCKET', message: 'connect ECONNREFUSED 127.0.0.1:25' }, 'unavailable'],
    ['connection closed', { code: 'ECONNECTION', message: 'Connection closed unexpectedly' }, 'unavailable'],
    ['greeting timeout', { code: 'ETIMEDOUT', message: 'Greeting never received' }, 'unavailable'],
    ['DNS', { code: 'EDNS', message: 'getaddrinfo ENOTFOUND smtp.example' }, 'unavailable'],
    ['a bare errno', { code: 'ECONNRESET', message: 'read ECONNRESET' }, 'unavailable'],
    [
      '421 at greeting',
      { code: 'EPROTOCOL', responseCode: 421, response: '421 4.3.2 Service not available' },
      'unavailable',
    ],
    [
      '451 to DATA',
      { code: 'EMESSAGE', command: 'DATA', responseCode: 451, response: '451 4.3.0 Try again later' },
      'unavailable',
    ],
    [
      '450 to RCPT',
      { code: 'EENVELOPE', command: 'RCPT TO', responseCode: 450, response: '450 4.2.0 Mailbox busy' },
      'unavailable',
    ],
    [
      '535 to AUTH (our login)',
      { code: 'EAUTH', command: 'AUTH PLAIN', responseCode: 535, response: '535 5.7.8 Authentication failed' },
      'unavailable',
    ],
    [
      '550 to RCPT',
      { code: 'EENVELOPE', command: 'RCPT TO', responseCode: 550, response: '550 5.1.1 User unknown' },
      'rejected',
    ],
    [
      '554 to DATA',
      { code: 'EMESSAGE', command: 'DATA', responseCode: 554, response: '554 5.7.1 Rejected' },
      'rejected',
    ],
    ['a malformed address', { code: 'EENVELOPE', message: 'No recipients defined' }, 'rejected'],
    ['a bug', { message: 'Cannot read properties of undefined' }, 'other'],
  ])('%s', (_name, e, expected) => {
    const c = classify(err(e));
    expect(c instanceof RecipientRejected ? 'rejected' : c instanceof SmtpUnavailable ? 'unavailable' : 'other').toBe(
      expected,
    );
    if (c instanceof SmtpUnavailable) expect(c.message).not.toContain('\n');
  });
});
