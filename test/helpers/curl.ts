import { execFile } from 'node:child_process';

export interface CurlResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
  json(): any;
}

/** Runs the real `curl` binary; `args` are curl's own options (e.g. `-u`, `:TOKEN`, `-H`, …) followed by the URL. */
export function curl(args: string[]): Promise<CurlResponse> {
  return new Promise((resolve, reject) => {
    // stdin closed and a timeout: a curl that would prompt for a password fails instead of hanging.
    const child = execFile('curl', ['-sS', '-i', '--max-time', '10', ...args], { encoding: 'utf8', maxBuffer: 4 << 20, timeout: 15_000 }, (err, stdout, stderr) => {
      if (err) return reject(new Error(`curl ${args.join(' ')} failed: ${stderr || err.message}`));
      // The last header block (after any 100 Continue) and the body.
      let rest = stdout;
      let head = '';
      do {
        const end = rest.indexOf('\r\n\r\n');
        head = end < 0 ? rest : rest.slice(0, end);
        rest = end < 0 ? '' : rest.slice(end + 4);
      } while (/^HTTP\/\S+ 100/.test(head));
      const [statusLine = '', ...lines] = head.split('\r\n');
      const headers: Record<string, string> = {};
      for (const l of lines) {
        const i = l.indexOf(':');
        if (i > 0) {
          const k = l.slice(0, i).trim().toLowerCase();
          const v = l.slice(i + 1).trim();
          headers[k] = headers[k] === undefined ? v : `${headers[k]}, ${v}`;
        }
      }
      resolve({ status: Number(statusLine.split(' ')[1]), headers, body: rest, json: () => JSON.parse(rest) });
    });
    child.stdin?.end();
  });
}
