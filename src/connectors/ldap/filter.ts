// RFC 4515 §3: a value in a search filter is written with `*`, `(`, `)`, `\` and NUL as `\XX`
// hex escapes, so whatever a person types as a username is only ever compared, never parsed as
// filter syntax (SECURITY.md L1: `*)(uid=*` finds nobody). Every byte outside printable ASCII is
// escaped too, so no encoding quirk of a server can turn one into syntax.

export function escapeFilterValue(value: string): string {
  let out = '';
  for (const byte of Buffer.from(value, 'utf8')) {
    const special = byte === 0x2a || byte === 0x28 || byte === 0x29 || byte === 0x5c || byte < 0x20 || byte > 0x7e;
    out += special ? `\\${byte.toString(16).padStart(2, '0')}` : String.fromCharCode(byte);
  }
  return out;
}

/** A filter template with `{username}` replaced by the escaped username. */
export function userFilter(template: string, username: string): string {
  return template.split('{username}').join(escapeFilterValue(username));
}
