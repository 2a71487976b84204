import { describeError, main } from './main';

// The `chidao` bin and `npm run chidao` both land here.
main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (e) => {
    const { message, code } = describeError(e);
    process.stderr.write(message + '\n');
    process.exit(code);
  },
);
