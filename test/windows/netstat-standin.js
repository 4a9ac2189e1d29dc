'use strict';
// A stand-in netstat.exe for Wine, whose own netstat prints no LISTENING rows: `netstat -ano -p
// tcp|tcpv6` answered in the Windows format (CRLF, "Active Connections", rows "TCP" for both
// families, LISTENING, the PID last) from the Linux kernel's /proc/net/tcp and tcp6 (Z: is / under
// Wine). Built into an exe by `node scripts/build-windows.js --sea` for the Wine tests; never shipped.
const fs = require('fs');
const args = process.argv.slice(2).map((a) => a.toLowerCase());
const proto = args.includes('-p') ? args[args.indexOf('-p') + 1] : 'tcp';
const v6 = proto === 'tcpv6';
const STATES = { '01': 'ESTABLISHED', '02': 'SYN_SENT', '03': 'SYN_RECEIVED', '04': 'FIN_WAIT_1', '05': 'FIN_WAIT_2', '06': 'TIME_WAIT', '07': 'CLOSED', '08': 'CLOSE_WAIT', '09': 'LAST_ACK', '0A': 'LISTENING', '0B': 'CLOSING' };

function endpoint(hex) {
  const [ip, port] = hex.split(':');
  const p = parseInt(port, 16);
  const b = Buffer.from(ip, 'hex');
  if (!v6) return `${b[3]}.${b[2]}.${b[1]}.${b[0]}:${p}`;
  // Four 32-bit words in host (little-endian) order.
  const words = [];
  for (let i = 0; i < 16; i += 4) words.push(b.readUInt32LE(i));
  const bytes = Buffer.alloc(16);
  words.forEach((w, i) => bytes.writeUInt32BE(w, i * 4));
  const groups = [];
  for (let i = 0; i < 16; i += 2) groups.push(bytes.readUInt16BE(i).toString(16));
  return `[${new URL(`http://[${groups.join(':')}]/`).hostname.slice(1, -1)}]:${p}`;
}

let text = '';
try {
  text = fs.readFileSync(v6 ? 'Z:\\proc\\net\\tcp6' : 'Z:\\proc\\net\\tcp', 'utf8');
} catch {
  text = '';
}
const rows = text.split('\n').slice(1).map((l) => l.trim().split(/\s+/)).filter((f) => f.length > 9);
const out = ['', 'Active Connections', '', '  Proto  Local Address          Foreign Address        State           PID'];
for (const f of rows) {
  const state = STATES[f[3]] || 'UNKNOWN';
  const remote = state === 'LISTENING' ? (v6 ? '[::]:0' : '0.0.0.0:0') : endpoint(f[2]);
  out.push(`  TCP    ${endpoint(f[1]).padEnd(23)}${remote.padEnd(23)}${state.padEnd(16)}4`);
}
process.stdout.write(`${out.join('\r\n')}\r\n`);
