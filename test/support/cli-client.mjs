// The synchronous side of the CLI host (test/support/cli-host.ts): started with spawnSync by
// test/support/cli.ts, it passes one invocation from its stdin to the host's socket and prints
// the answer. Plain JavaScript, so it starts in milliseconds.
import { connect } from 'node:net';

const chunks = [];
for await (const chunk of process.stdin) chunks.push(chunk);
const socket = connect(process.argv[2]);
let answer = '';
socket.on('data', (c) => {
  answer += c.toString('utf8');
});
socket.on('end', () => process.stdout.write(answer));
socket.on('error', (err) => {
  process.stderr.write(`cli host unreachable: ${err.message}\n`);
  process.exit(2);
});
socket.write(Buffer.concat(chunks));
