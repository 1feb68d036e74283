/**
 * The CLI host: one process per test file that has loaded Gatehouse once and runs `gatehouse`
 * invocations in it, one at a time, on request over a Unix socket (test/support/cli.ts). Each
 * invocation gets exactly the environment, standard input and argument list it was given, and
 * its standard output, standard error and exit code go back — what the binary does, without
 * paying ~2 s of module loading per command. `bin/gatehouse.js` itself is still started as a real
 * subprocess by the tests of `serve`, `proxy`, `audit list --follow` and one run per suite, and
 * `GATEHOUSE_TEST_CLI=subprocess` runs every invocation that way.
 *
 * Request: one JSON line `{ args, env, input }`; answer: one JSON line `{ status, stdout, stderr }`.
 */
import { unlinkSync } from 'node:fs';
import { createServer, type Socket } from 'node:net';
import { Readable } from 'node:stream';
import { main } from '../../src/cli/main.ts';

interface Invocation {
  args: string[];
  env: Record<string, string>;
  input: string;
}

const socketPath = process.argv[2];
if (!socketPath) throw new Error('usage: cli-host.ts SOCKET');

// Work a command leaves behind must not take the host down; its own answer reports what failed.
process.on('unhandledRejection', (err) => process.stderr.write(`cli-host: unhandled rejection: ${String(err)}\n`));

/** Runs one invocation with process-wide state swapped in, and restores it afterwards. */
async function invoke({ args, env, input }: Invocation): Promise<{ status: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const savedEnv = process.env;
  const savedOut = process.stdout.write;
  const savedErr = process.stderr.write;
  const stdin = Object.getOwnPropertyDescriptor(process, 'stdin');
  const capture =
    (append: (s: string) => void) =>
    (chunk: string | Uint8Array, encoding?: BufferEncoding | ((err?: Error | null) => void), cb?: (err?: Error | null) => void) => {
      append(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString(typeof encoding === 'string' ? encoding : 'utf8'));
      const done = typeof encoding === 'function' ? encoding : cb;
      done?.();
      return true;
    };
  process.env = { ...env };
  process.stdout.write = capture((s) => {
    stdout += s;
  }) as typeof process.stdout.write;
  process.stderr.write = capture((s) => {
    stderr += s;
  }) as typeof process.stderr.write;
  Object.defineProperty(process, 'stdin', { configurable: true, enumerable: true, value: Readable.from([Buffer.from(input)]) });
  try {
    const status = await main(['node', 'gatehouse', ...args]);
    return { status, stdout, stderr };
  } catch (err) {
    return { status: 1, stdout, stderr: `${stderr}cli-host: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n` };
  } finally {
    process.env = savedEnv;
    process.stdout.write = savedOut;
    process.stderr.write = savedErr;
    if (stdin) Object.defineProperty(process, 'stdin', stdin);
  }
}

let queue: Promise<unknown> = Promise.resolve();

function serve(socket: Socket): void {
  let buffer = '';
  socket.on('data', (chunk: Buffer) => {
    buffer += chunk.toString('utf8');
    const end = buffer.indexOf('\n');
    if (end === -1) return;
    const request = JSON.parse(buffer.slice(0, end)) as Invocation;
    buffer = '';
    queue = queue.then(async () => {
      const answer = await invoke(request);
      await new Promise<void>((resolve) => socket.end(`${JSON.stringify(answer)}\n`, () => resolve()));
    });
  });
  socket.on('error', () => socket.destroy());
}

try {
  unlinkSync(socketPath);
} catch {
  // No stale socket.
}
const server = createServer(serve);
server.listen(socketPath, () => process.stdout.write('ready\n'));
// The test process that started this host holds its stdin; when it goes, so does the host.
process.stdin.on('end', () => process.exit(0));
process.stdin.resume();
