import { NodeProcess } from './server';

/** The complete lines a process has written so far, stdout and stderr, blank ones left out. */
export function linesOf(node: NodeProcess): string[] {
  return node.output
    .slice(0, node.output.lastIndexOf('\n') + 1)
    .split('\n')
    .filter((line) => line.trim() !== '');
}

/** The first line the process wrote that `matches`, now or as soon as it writes it (a log line may follow the answer). */
export function lineOf(node: NodeProcess, matches: (line: string) => boolean, timeoutMs = 10_000): Promise<string> {
  return new Promise((resolve, reject) => {
    const streams = [node.child.stdout!, node.child.stderr!];
    const check = () => {
      const found = linesOf(node).find(matches);
      if (found === undefined) return;
      stop();
      resolve(found);
    };
    const timer = setTimeout(() => {
      stop();
      reject(new Error(`${node.name} wrote no such line within ${timeoutMs} ms:\n${node.output}`));
    }, timeoutMs);
    const stop = () => {
      clearTimeout(timer);
      streams.forEach((stream) => stream.off('data', check));
    };
    // The harness's own listener came first, so the output already holds the chunk when this one runs.
    streams.forEach((stream) => stream.on('data', check));
    check();
  });
}
