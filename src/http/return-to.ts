// SECURITY.md W1: `returnTo` may only name a path on this site. Anything that a browser could
// read as another origin — absolute, scheme-relative, backslashes, encoded slashes, control
// characters — is dropped in favour of the home page.

export function safeReturnTo(value: unknown, fallback = '/'): string {
  if (typeof value !== 'string' || value.length === 0 || value.length > 2048) return fallback;
  if (!value.startsWith('/')) return fallback;
  if (value.startsWith('//') || value.startsWith('/\\')) return fallback;
  // Control characters (CR/LF header splitting, tabs that browsers strip) and backslashes.
  if (/[\x00-\x1f\x7f\\]/.test(value)) return fallback;
  let decoded: string;
  try {
    decoded = decodeURIComponent(value);
  } catch {
    return fallback;
  }
  // Encoded tricks: %2f%2f, %5c, encoded CRLF.
  if (decoded.startsWith('//') || /[\x00-\x1f\x7f\\]/.test(decoded)) return fallback;
  // The browser must resolve it to this origin.
  const base = 'http://hatrack.invalid';
  const resolved = new URL(value, base);
  // Dot segments can collapse into a scheme-relative path: `/.//evil.example` → `//evil.example`.
  if (resolved.origin !== base || resolved.pathname.startsWith('//')) return fallback;
  return resolved.pathname + resolved.search + resolved.hash;
}
