/**
 * A Windows command line (what WinSW's <arguments> and a service's ImagePath hold): each argument
 * quoted as CommandLineToArgvW and the C runtime read it back, so the program receives exactly the
 * argument vector it was given.
 */
export function windowsArg(s: string): string {
  if (s !== '' && !/[\s"]/.test(s)) return s;
  let out = '"';
  let slashes = 0;
  for (const ch of s) {
    if (ch === '\\') {
      slashes++;
      continue;
    }
    if (ch === '"') {
      out += '\\'.repeat(slashes * 2 + 1) + '"';
      slashes = 0;
      continue;
    }
    out += '\\'.repeat(slashes) + ch;
    slashes = 0;
  }
  return out + '\\'.repeat(slashes * 2) + '"';
}

export function windowsCommandLine(argv: readonly string[]): string {
  return argv.map(windowsArg).join(' ');
}
