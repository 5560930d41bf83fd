// Measures a shaped link from both ends (test/bed/shapedLink.test.ts): run as
// `node probe.mjs serve PORT` inside the server namespace and as one of the client modes
// inside the client namespace. Plain JavaScript so it starts fast without a loader.
//
// TCP on PORT, the first byte says what the connection is for:
//   'e'  echo every byte back                  (client mode rtt)
//   'b'  then a 4-byte big-endian count: the server sends that many bytes (client mode bulk)
//   's'  the server sends 100 bytes every 10 ms until the client goes (client mode stream)
//   'u'  the server answers with how many UDP datagrams reached PORT, then closes
// UDP on PORT: datagrams are only counted                     (client mode udp)
//
// Client modes print one JSON line on stdout (stream prints a line per chunk received):
//   rtt HOST PORT N         {"connectMs":[...],"echoMs":[...]}: TCP handshakes and 1-byte echoes
//   udp HOST PORT N GAPMS   {"sent":N,"received":n}: N datagrams, one every GAPMS ms
//   bulk HOST PORT BYTES    {"marks":[[bytes,ms],...]}: arrival time of every 64 KiB
//   stream HOST PORT        {"bytes":n} per chunk, until stdin closes

import dgram from 'node:dgram';
import net from 'node:net';
import { performance } from 'node:perf_hooks';

const [mode, ...args] = process.argv.slice(2);
const now = () => performance.now();
const out = (o) => process.stdout.write(`${JSON.stringify(o)}\n`);

function serve(port) {
  let udpCount = 0;
  const udp = dgram.createSocket('udp4');
  udp.on('message', () => udpCount++);
  udp.bind(port);
  net
    .createServer((c) => {
      c.setNoDelay(true);
      c.on('error', () => c.destroy());
      let started = false;
      let head = Buffer.alloc(0);
      c.on('data', (d) => {
        if (started) {
          if (head[0] === 0x65) c.write(d);
          return;
        }
        head = Buffer.concat([head, d]);
        const kind = head[0];
        if (kind === 0x65) {
          started = true;
          if (head.length > 1) c.write(head.subarray(1));
        } else if (kind === 0x62 && head.length >= 5) {
          started = true;
          const total = head.readUInt32BE(1);
          const chunk = Buffer.alloc(64 << 10, 0x61);
          let left = total;
          const pump = () => {
            while (left > 0) {
              const n = Math.min(left, chunk.length);
              left -= n;
              if (!c.write(chunk.subarray(0, n))) return void c.once('drain', pump);
            }
            c.end();
          };
          pump();
        } else if (kind === 0x73) {
          started = true;
          const timer = setInterval(() => c.write(Buffer.alloc(100, 0x73)), 10);
          c.on('close', () => clearInterval(timer));
        } else if (kind === 0x75) {
          started = true;
          c.end(String(udpCount));
        }
      });
    })
    .listen(port, () => out({ listening: port }));
}

function connect(host, port) {
  return new Promise((resolve, reject) => {
    const t0 = now();
    const c = net.connect({ host, port, noDelay: true }, () => resolve({ c, ms: now() - t0 }));
    c.once('error', reject);
  });
}

async function rtt(host, port, n) {
  const connectMs = [];
  const echoMs = [];
  for (let i = 0; i < n; i++) {
    const { c, ms } = await connect(host, port);
    connectMs.push(ms);
    c.write('e');
    const t0 = now();
    c.write('x');
    await new Promise((r) => c.once('data', r));
    echoMs.push(now() - t0);
    c.destroy();
  }
  out({ connectMs, echoMs });
}

async function udp(host, port, n, gapMs) {
  const s = dgram.createSocket('udp4');
  const payload = Buffer.alloc(100, 0x75);
  for (let i = 0; i < n; i++) {
    s.send(payload, port, host);
    await new Promise((r) => setTimeout(r, gapMs));
  }
  // Whatever is still on its way arrives within the link's delay.
  await new Promise((r) => setTimeout(r, 1000));
  s.close();
  for (;;) {
    // The question itself may be lost on a lossy link: TCP retransmits it.
    const { c } = await connect(host, port);
    c.write('u');
    let text = '';
    c.on('data', (d) => (text += d));
    await new Promise((r) => c.once('end', r));
    return out({ sent: n, received: Number(text) });
  }
}

async function bulk(host, port, bytes) {
  const { c } = await connect(host, port);
  const req = Buffer.alloc(5);
  req[0] = 0x62;
  req.writeUInt32BE(bytes, 1);
  const t0 = now();
  c.write(req);
  const marks = [];
  let got = 0;
  let next = 64 << 10;
  c.on('data', (d) => {
    got += d.length;
    while (got >= next) {
      marks.push([next, now() - t0]);
      next += 64 << 10;
    }
  });
  await new Promise((r) => c.once('end', r));
  marks.push([got, now() - t0]);
  out({ marks });
}

async function stream(host, port) {
  const { c } = await connect(host, port);
  c.write('s');
  let bytes = 0;
  c.on('data', (d) => out({ bytes: (bytes += d.length) }));
  process.stdin.on('end', () => process.exit(0));
  process.stdin.resume();
}

const [host, port, a, b] = args;
if (mode === 'serve') serve(Number(args[0]));
else if (mode === 'rtt') await rtt(host, Number(port), Number(a));
else if (mode === 'udp') await udp(host, Number(port), Number(a), Number(b));
else if (mode === 'bulk') await bulk(host, Number(port), Number(a));
else if (mode === 'stream') await stream(host, Number(port));
else {
  process.stderr.write(`probe.mjs: unknown mode '${mode}'\n`);
  process.exit(2);
}
