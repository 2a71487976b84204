/** A bar on a terminal, plain lines otherwise (CI logs, pipes). */
export function progress(stream: NodeJS.WriteStream, label: string) {
  const tty = stream.isTTY;
  let lastLine = -1;
  return {
    update(done: number, total: number) {
      if (tty) {
        const width = 30;
        const filled = total ? Math.round((done / total) * width) : width;
        stream.write(`\r${label} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${total}`);
      } else {
        // A line per tenth, so a log of 10,000 recipients stays short.
        const tenth = total ? Math.floor((done / total) * 10) : 10;
        if (tenth !== lastLine) stream.write(`${label}: ${done}/${total}\n`);
        lastLine = tenth;
      }
    },
    done() {
      if (tty) stream.write('\n');
    },
  };
}
