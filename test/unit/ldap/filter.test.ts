// SECURITY.md L1 at its root: what a person types is a value in the filter, never filter syntax.
import { describe, expect, it } from 'vitest';
import { escapeFilterValue, userFilter } from '../../../src/connectors/ldap/filter.ts';
import { firstRdnValue } from '../../../src/connectors/ldap/directory.ts';

describe('RFC 4515 escaping', () => {
  it.each([
    ['*', '\\2a'],
    ['*)(uid=*', '\\2a\\29\\28uid=\\2a'],
    ['alice)(|(uid=*', 'alice\\29\\28|\\28uid=\\2a'],
    ['back\\slash', 'back\\5cslash'],
    ['nul\u0000byte', 'nul\\00byte'],
    ['newline\nin', 'newline\\0ain'],
    ['é', '\\c3\\a9'],
    ['plain.name-1@corp', 'plain.name-1@corp'],
  ])('L1 %j is written %j', (typed, escaped) => {
    expect(escapeFilterValue(typed)).toBe(escaped);
  });

  it('L1 the escaped value never holds a filter metacharacter, whatever was typed', () => {
    for (let c = 0; c < 0x3000; c++) {
      const escaped = escapeFilterValue(`a${String.fromCharCode(c)}b`);
      expect(escaped.replace(/\\[0-9a-f]{2}/g, '')).not.toMatch(/[*()\\\x00]/);
    }
  });

  it('fills every {username} of a template', () => {
    expect(userFilter('(|(uid={username})(mail={username}))', 'a*')).toBe('(|(uid=a\\2a)(mail=a\\2a))');
  });
});

describe('group names from DNs', () => {
  it.each([
    ['cn=power-users,ou=groups,dc=example,dc=com', 'power-users'],
    ['CN=AWS Admins,OU=Groups,DC=corp,DC=example', 'AWS Admins'],
    ['cn=a\\,b,ou=groups', 'a,b'],
    ['cn=caf\\C3\\A9,ou=groups', 'café'],
    ['cn=x+uid=y,ou=groups', 'x'],
  ])('%s → %s', (dn, name) => {
    expect(firstRdnValue(dn)).toBe(name);
  });
});
