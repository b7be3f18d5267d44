// The cookies a scripted browser keeps per origin: Set-Cookie lines applied to one origin's jar, a
// cookie removed when it expires or is emptied. Used by the tests' headless browser and by the
// login benchmark's browsers.

/** Applies `setCookies` (Set-Cookie header values) to `cookies` (name → value). */
export function applySetCookies(cookies: Map<string, string>, setCookies: readonly string[]): void {
  for (const line of setCookies) {
    const [pair = '', ...attributes] = line.split(';');
    const eq = pair.indexOf('=');
    if (eq <= 0) continue;
    const name = pair.slice(0, eq).trim();
    const value = pair.slice(eq + 1).trim();
    const expired = attributes.some((a) => {
      const [k = '', v = ''] = a.split('=').map((s) => s.trim());
      return (k.toLowerCase() === 'max-age' && Number(v) <= 0) || (k.toLowerCase() === 'expires' && Date.parse(v) < Date.now());
    });
    if (expired || value === '') cookies.delete(name);
    else cookies.set(name, value);
  }
}
