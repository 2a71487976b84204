import MailComposer from 'nodemailer/lib/mail-composer';

/**
 * What the demo drops in the Office's inbox, as a unit's mail server and a unit would send it: a Postfix
 * bounce for one address (RFC 3464, quoting the returned message's headers) and a reply to a dispatch.
 */
export function postfixBounce(o: { messageId: string; check: string; rcpt: string; office: string }): string {
  const b = 'demo-bounce-boundary';
  return [
    `From: MAILER-DAEMON@mail.thads.example.gov.vn (Mail Delivery System)`,
    `To: ${o.office}`,
    `Subject: Undelivered Mail Returned to Sender`,
    `Date: ${new Date().toUTCString()}`,
    `Message-ID: <demo-bounce-${Date.now()}@mail.thads.example.gov.vn>`,
    `Auto-Submitted: auto-replied`,
    `MIME-Version: 1.0`,
    `Content-Type: multipart/report; report-type=delivery-status; boundary="${b}"`,
    ``,
    `--${b}`,
    `Content-Type: text/plain; charset=us-ascii`,
    ``,
    `<${o.rcpt}>: host mx.example said: 550 5.1.1 User unknown`,
    ``,
    `--${b}`,
    `Content-Type: message/delivery-status`,
    ``,
    `Reporting-MTA: dns; mail.thads.example.gov.vn`,
    ``,
    `Final-Recipient: rfc822; ${o.rcpt}`,
    `Action: failed`,
    `Status: 5.1.1`,
    `Diagnostic-Code: smtp; 550 5.1.1 <${o.rcpt}>: Recipient address rejected: User unknown`,
    ``,
    `--${b}`,
    `Content-Type: text/rfc822-headers`,
    ``,
    `To: ${o.rcpt}`,
    `Message-ID: ${o.messageId}`,
    `X-Chidao-Check: ${o.check}`,
    ``,
    `--${b}--`,
    ``,
  ].join('\r\n');
}

export function unitReply(o: { messageId: string; from: string; office: string; text: string }): Promise<Buffer> {
  return new MailComposer({
    from: o.from,
    to: o.office,
    subject: 'Re: Công văn số 4432/TCTHADS-VP',
    messageId: `<demo-reply-${Date.now()}@${o.from.split('@')[1]}>`,
    inReplyTo: o.messageId,
    references: [o.messageId],
    text: o.text,
  })
    .compile()
    .build();
}
