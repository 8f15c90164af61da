import { isIP } from 'node:net';

/**
 * Whether a target is on this machine. Local targets get source-address spreading (the whole 127/8 is
 * routed to loopback on Linux) and a baseline comparison by default; remote targets get neither.
 */
export function isLoopbackUrl(url: string): boolean {
  const host = new URL(url).hostname.replace(/^\[|\]$/g, '');
  if (host === 'localhost' || host.endsWith('.localhost')) return true;
  if (isIP(host) === 4) return host.startsWith('127.');
  if (isIP(host) === 6) return host === '::1';
  return false;
}

/**
 * Whether sockets can be bound to 127.0.0.x source addresses: IPv4 loopback targets only (an IPv6 ::1
 * target cannot be reached from an IPv4 source).
 */
export function canSpreadSourceIps(url: string): boolean {
  const host = new URL(url).hostname;
  return host === 'localhost' || host.endsWith('.localhost') || (isIP(host) === 4 && host.startsWith('127.'));
}

/**
 * The URL each connection opens: guest mode sets `?name=`, JWT mode `?token=` (the contract's two
 * identity sources); other query parameters of the target are kept.
 */
export function connectionUrl(base: string, auth: { token?: string; name: string }): string {
  const url = new URL(base);
  if (auth.token !== undefined) url.searchParams.set('token', auth.token);
  else url.searchParams.set('name', auth.name);
  return url.toString();
}
