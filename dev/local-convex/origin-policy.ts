/** Which web pages may talk to the local server: none but its own site (Node clients send no Origin at all). */

/** The site port as a browser names it: both loopback spellings, since a person may type either. */
export function siteOrigins(sitePort: number): string[] {
  return [`http://127.0.0.1:${sitePort}`, `http://localhost:${sitePort}`];
}

/**
 * No Origin header: a Node client (ConvexClient / ConvexHttpClient, the relay, curl), allowed. An Origin: a
 * browser page, allowed only when it is the server's own site (or one the caller listed); any other page
 * could otherwise drive the server (read data, write, take it offline).
 */
export function originAllowed(origin: string | undefined, allowed: ReadonlySet<string>): boolean {
  return origin === undefined || allowed.has(origin);
}

/** `application/json`, with or without parameters: what every Convex HTTP client sends, and what no HTML form can. */
export function isJsonContentType(value: string | undefined): boolean {
  return value !== undefined && value.split(";")[0]!.trim().toLowerCase() === "application/json";
}
