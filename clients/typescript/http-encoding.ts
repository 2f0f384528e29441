/**
 * URL encoding that matches what SigV4 servers (API Gateway) canonicalise: RFC 3986 unreserved
 * characters stay, everything else is percent-encoded — including `!'()*`, which
 * `encodeURIComponent` leaves alone but the signature's canonical form escapes.
 */

export type QueryValue = string | number | boolean | undefined | null | readonly (string | number)[];
export type Query = Record<string, QueryValue>;

export function encodeRfc3986(value: string): string {
  return encodeURIComponent(value).replace(
    /[!'()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
}

/**
 * Joins path segments into an encoded path (`/models/a.b-c/versions/3`). Each segment is encoded
 * whole, so `/` or `?` inside a name cannot change the route. Empty, `.` and `..` segments are
 * rejected: URL parsers and signers normalise them away, so the request would reach another route.
 */
export function pathOf(...segments: (string | number)[]): string {
  return segments
    .map((segment) => {
      const text = String(segment);
      if (text === "" || text === "." || text === "..") {
        throw new TypeError(`invalid path segment ${JSON.stringify(text)}`);
      }
      return `/${encodeRfc3986(text)}`;
    })
    .join("");
}

/**
 * Re-encodes an already-encoded path into the one form every SigV4 verifier agrees on: each segment
 * decoded, then encoded with RFC 3986 (`(x)` → `%28x%29`, `%c3%a9` → `%C3%A9`). A server that
 * decodes and re-encodes the path and one that escapes the received bytes then compute the same
 * canonical URI. A `%` that starts no valid escape is taken literally.
 */
export function normalizePath(path: string): string {
  return path
    .split("/")
    .map((segment) => {
      try {
        return encodeRfc3986(decodeURIComponent(segment));
      } catch {
        return encodeRfc3986(segment);
      }
    })
    .join("/");
}

/** Decoded key/value pairs of a query object, in insertion order; `undefined`/`null` are dropped. */
export function queryEntries(query: Query | undefined): [string, string][] {
  const entries: [string, string][] = [];
  for (const [key, value] of Object.entries(query ?? {})) {
    if (value === undefined || value === null) continue;
    const values = Array.isArray(value) ? value : [value];
    for (const item of values) entries.push([key, String(item)]);
  }
  return entries;
}

export function buildQueryString(entries: readonly [string, string][]): string {
  return entries.map(([key, value]) => `${encodeRfc3986(key)}=${encodeRfc3986(value)}`).join("&");
}

/** Groups entries by key, the form `@smithy/signature-v4` expects for `HttpRequest.query`. */
export function groupQuery(entries: readonly [string, string][]): Record<string, string | string[]> {
  const grouped: Record<string, string | string[]> = {};
  for (const [key, value] of entries) {
    const existing = grouped[key];
    if (existing === undefined) grouped[key] = value;
    else grouped[key] = Array.isArray(existing) ? [...existing, value] : [existing, value];
  }
  return grouped;
}
