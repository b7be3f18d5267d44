// Reading one cookie from the Cookie header, for the few cookies that are not the session's
// (express-session reads its own). One pass over the header; a value that is not valid
// percent-encoding reads as absent.

/** The value of cookie `name` in the request's Cookie header, or undefined. */
export function readCookie(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0 || part.slice(0, eq).trim() !== name) continue;
    try {
      return decodeURIComponent(part.slice(eq + 1).trim());
    } catch {
      return undefined;
    }
  }
  return undefined;
}
