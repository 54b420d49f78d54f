/**
 * TCP sockets in LISTEN state owned by a process, as "address:port", read from /proc (no tool
 * needed): what a test checks to prove a service binds to loopback only.
 */
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';

export function listeningAddresses(pid: number): string[] {
  const inodes = new Set<string>();
  for (const fd of readdirSync(`/proc/${pid}/fd`)) {
    try {
      const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
      if (m) inodes.add(m[1]!);
    } catch {
      /* closed meanwhile */
    }
  }
  const out: string[] = [];
  for (const table of ['tcp', 'tcp6']) {
    const lines = readFileSync(`/proc/${pid}/net/${table}`, 'utf8').trim().split('\n').slice(1);
    for (const line of lines) {
      const [, local, , state, , , , , , inode] = line.trim().split(/\s+/);
      if (state !== '0A' || !inodes.has(inode!)) continue;
      const [hexAddress, hexPort] = local!.split(':');
      out.push(`${decodeAddress(hexAddress!)}:${parseInt(hexPort!, 16)}`);
    }
  }
  return out;
}

function decodeAddress(hex: string): string {
  if (hex.length === 8)
    return hex
      .match(/../g)!
      .reverse()
      .map((b) => parseInt(b, 16))
      .join('.');
  if (hex === '00000000000000000000000001000000') return '::1';
  if (hex === '00000000000000000000000000000000') return '::';
  return `[${hex}]`;
}
