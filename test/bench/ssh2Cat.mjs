// A bare ssh2 client run the way `ssh host COMMAND` runs with pipes: our stdin into an exec
// channel, its stdout and stderr to ours, its exit status as ours. No Holdfast in it: the
// pipes bench times it beside `holdfast host -- cat` and `ssh host cat`, to tell what the
// runtime and ssh2 cost apart from what Holdfast adds.
// Usage: node ssh2Cat.mjs HOST PORT USER KEY_FILE HOST_KEY_BASE64 COMMAND
import { readFileSync } from 'node:fs';
import ssh2 from 'ssh2';

const [host, port, username, keyFile, hostKey, command] = process.argv.slice(2);
const expected = Buffer.from(hostKey ?? '', 'base64');
const fail = (what) => {
  process.stderr.write(`ssh2Cat: ${what}\n`);
  process.exit(255);
};
const client = new ssh2.Client();
client.on('error', (e) => fail(e.message));
client.on('ready', () =>
  client.exec(command, (err, ch) => {
    if (err) return fail(err.message);
    process.stdin.pipe(ch);
    ch.pipe(process.stdout);
    ch.stderr.pipe(process.stderr);
    ch.on('exit', (code) => (process.exitCode = typeof code === 'number' ? code : 255));
    ch.on('close', () => client.end());
  }),
);
client.connect({
  host,
  port: Number(port),
  username,
  privateKey: readFileSync(keyFile),
  hostVerifier: (key) => key.equals(expected),
});
