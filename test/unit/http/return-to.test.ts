import { describe, expect, it } from 'vitest';
import { safeReturnTo } from '../../../src/http/return-to.ts';

describe('W1 returnTo accepts only paths on this site', () => {
  it.each([
    ['/'], ['/aws/roles'], ['/?q=1#frag'], ['/device?user_code=ABCD-EFGH'],
  ])('keeps %s', (v) => expect(safeReturnTo(v)).toBe(v));

  it.each([
    ['https://evil.example/'], ['//evil.example'], ['/\\evil.example'], ['\\\\evil.example'],
    ['/%2f%2fevil.example'], ['/%5cevil.example'], ['http:evil.example'], ['javascript:alert(1)'],
    ['/x\r\nSet-Cookie: a=b'], ['/%0d%0aLocation: https://evil.example'], ['https://user@evil.example'],
    ['/\t/evil.example'], ['/.//evil.example'], ['/..//evil.example'], ['/%2e//evil.example'], ['/a/..//evil.example'], [''], ['relative/path'], [undefined], [['/a', '/b']], ['/%E0%A4%A'],
  ])('drops %j', (v) => expect(safeReturnTo(v)).toBe('/'));
});
