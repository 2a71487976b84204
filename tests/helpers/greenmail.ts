// The tests' IMAP server is the one `npm run dev` and the demo start.
export { startImapServer, type ImapServer } from '../../src/dev/imap-server';
