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
 * The URL each connection opens: guest mode sets `?name=`, JWT mode `?token=` (the contract's two
 * identity sources); other query parameters of the target are kept.
 */
export function connectionUrl(base: string, auth: { token?: string; name: string }): string {
  const url = new URL(base);
  if (auth.token !== undefined) url.searchParams.set('token', auth.token);
  else url.searchParams.set('name', auth.name);
  return url.toString();
}
