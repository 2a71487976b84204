import { describeError, main } from './main';

// The `chidao` bin and `npm run chidao` both land here.
//
// No process.exit(): stdout to a pipe is asynchronous in Node, and exiting at once cut `status --json`
// at 64 KiB. With exitCode set, Node exits when everything written has been flushed.
main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (e) => {
    const { message, code } = describeError(e);
    process.stderr.write(message + '\n');
    process.exitCode = code;
  },
);
