import { describe, expect, it } from 'vitest';
import { classify, RecipientRejected, SmtpUnavailable } from '../../src/activities/mailer';

/**
 * What a failed send means decides everything after it: a refused recipient makes the unit "không gửi
 * được" at once; an unavailable server is retried without limit. The errors below have the shape
 * nodemailer gives them (code, command, responseCode, response).
 */
const smtpError = (fields: Record<string, unknown>, message = 'smtp error') =>
  Object.assign(new Error(message), fields);

describe('SMTP error classification', () => {
  it.each([
    [
      '550 to RCPT TO',
      { code: 'EENVELOPE', command: 'RCPT TO', responseCode: 550, response: '550 5.1.1 User unknown' },
    ],
    [
      '553 to RCPT TO',
      { code: 'EENVELOPE', command: 'RCPT TO', responseCode: 553, response: '553 mailbox name not allowed' },
    ],
    ['554 to DATA', { code: 'EMESSAGE', command: 'DATA', responseCode: 554, response: '554 5.7.1 Message rejected' }],
  ])('%s is a refusal of the recipient, with the server’s answer', (_t, fields) => {
    const e = classify(smtpError(fields));
    expect(e).toBeInstanceOf(RecipientRejected);
    expect(e.name).toBe('RecipientRejected');
    expect(e.message).toBe(fields.response);
  });

  it('an envelope error without a response code (a malformed address nodemailer refused) is a refusal', () => {
    const e = classify(smtpError({ code: 'EENVELOPE' }, 'No recipients defined'));
    expect(e).toBeInstanceOf(RecipientRejected);
    expect(e.message).toBe('No recipients defined');
  });

  it.each([
    [
      '550 to MAIL FROM',
      { code: 'EENVELOPE', command: 'MAIL FROM', responseCode: 550, response: '550 5.7.1 Sender rejected' },
    ],
    [
      '535 to AUTH PLAIN',
      { code: 'EAUTH', command: 'AUTH PLAIN', responseCode: 535, response: '535 5.7.8 Bad credentials' },
    ],
    [
      '530 to MAIL FROM',
      { code: 'EENVELOPE', command: 'MAIL FROM', responseCode: 530, response: '530 Authentication required' },
    ],
  ])('%s is our own configuration: the server is unavailable, not the recipient refused', (_t, fields) => {
    const e = classify(smtpError(fields));
    expect(e).toBeInstanceOf(SmtpUnavailable);
    expect(e).not.toBeInstanceOf(RecipientRejected);
    expect(e.message).toBe(fields.response);
    expect((e as SmtpUnavailable).responseCode).toBe(fields.responseCode);
    expect((e as SmtpUnavailable).code).toBe(fields.code);
  });

  it.each([
    [
      '451 to RCPT TO (greylisting)',
      { code: 'EENVELOPE', command: 'RCPT TO', responseCode: 451, response: '451 4.7.1 Try later' },
    ],
    ['421 to DATA', { code: 'EMESSAGE', command: 'DATA', responseCode: 421, response: '421 Service closing' }],
  ])('%s is temporary: unavailable, retried', (_t, fields) => {
    const e = classify(smtpError(fields));
    expect(e).toBeInstanceOf(SmtpUnavailable);
    expect(e.message).toBe(fields.response);
  });

  it.each([
    ['ECONNECTION', { code: 'ECONNECTION' }],
    ['ETIMEDOUT', { code: 'ETIMEDOUT' }],
    ['ESOCKET', { code: 'ESOCKET' }],
    ['EDNS', { code: 'EDNS' }],
    ['ETLS', { code: 'ETLS' }],
    ['ECONNREFUSED as code', { code: 'ECONNREFUSED' }],
    ['ECONNRESET as errno', { errno: 'ECONNRESET' }],
    ['ENOTFOUND', { code: 'ENOTFOUND' }],
  ])('a connection failure (%s) is unavailable, and keeps only the first line of its message', (_t, fields) => {
    const e = classify(smtpError(fields, 'connect failed\n    at Socket.<anonymous>'));
    expect(e).toBeInstanceOf(SmtpUnavailable);
    expect(e.message).toBe('connect failed');
  });

  it('anything else (a bug) stays the error it was: neither a refusal nor an outage', () => {
    const bug = new TypeError('Cannot read properties of undefined');
    expect(classify(bug)).toBe(bug);
    const thrown = classify('a string');
    expect(thrown).toBeInstanceOf(Error);
    expect(thrown).not.toBeInstanceOf(SmtpUnavailable);
    expect(thrown).not.toBeInstanceOf(RecipientRejected);
    expect(thrown.message).toBe('a string');
  });
});
