/** Which Convex URLs credentials may be sent to: https://, or plain http:// only to this machine (a local server). */

/** Host names that always mean this machine; `new URL` gives IPv6 hosts in brackets. */
const LOOPBACK_NAMES = new Set(["localhost", "[::1]"]);

/** True for 127.0.0.0/8, ::1 and `localhost` (incl. `*.localhost`, which resolvers keep on loopback, RFC 6761). */
export function isLoopbackHost(hostname: string): boolean {
  const host = hostname.toLowerCase().replace(/\.$/, "");
  if (LOOPBACK_NAMES.has(host) || host.endsWith(".localhost")) return true;
  return /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}

/**
 * Why `raw` may not be used as a Convex URL, or undefined when it may. The relay's secret, pairing
 * tokens and every message travel to this URL, so over plain http they would cross the network in
 * clear (and a QR code could send a phone there): only loopback is allowed without TLS.
 */
export function convexUrlProblem(raw: string): string | undefined {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return "is not a valid URL";
  }
  if (url.username || url.password) return "must not contain a user name or password";
  if (url.protocol === "https:") return undefined;
  if (url.protocol === "http:") {
    return isLoopbackHost(url.hostname)
      ? undefined
      : `must use https:// (plain http:// is allowed only to this machine: localhost, 127.0.0.1, [::1]; got host ${url.hostname})`;
  }
  return `must be an https:// URL (got ${url.protocol}//)`;
}
