// RoleSessionName / SourceIdentity derivation (W9): AWS charset, length, determinism, aws: prefix.
import { describe, expect, it } from 'vitest';
import { isValidSessionName, sanitiseSessionName, sanitiseSourceIdentity } from '../../../src/aws/names.ts';
import { isHatrackError } from '../../../src/errors.ts';

const AWS_CHARSET = /^[A-Za-z0-9_+=,.@-]{2,64}$/;

describe('sanitiseSessionName', () => {
  it('keeps an email that already fits the AWS charset unchanged', () => {
    expect(sanitiseSessionName('alice@corp.example')).toBe('alice@corp.example');
    expect(sanitiseSessionName('a.b+c=d,e_f-g@h.example')).toBe('a.b+c=d,e_f-g@h.example');
  });

  it('replaces characters outside the charset with - and appends a hash of the original', () => {
    const name = sanitiseSessionName('jörg müller@corp.example');
    expect(name).toMatch(/^j-rg-m-ller@corp\.example-[0-9a-f]{16}$/);
    expect(name).toMatch(AWS_CHARSET);
  });

  it('gives different names to emails that differ only in replaced characters', () => {
    expect(sanitiseSessionName('jö@corp.example')).not.toBe(sanitiseSessionName('jü@corp.example'));
    expect(sanitiseSessionName('a<b@corp.example')).not.toBe(sanitiseSessionName('a-b@corp.example'));
  });

  it('is deterministic', () => {
    expect(sanitiseSessionName('Zoë <zoe>@corp.example')).toBe(sanitiseSessionName('Zoë <zoe>@corp.example'));
  });

  it('applies NFC first, so composed and decomposed forms give the same name', () => {
    expect(sanitiseSessionName('zo\u00eb@corp.example')).toBe(sanitiseSessionName('zoe\u0308@corp.example'));
  });

  it('replaces a character outside the BMP with a single -', () => {
    expect(sanitiseSessionName('a😀b@corp.example')).toMatch(/^a-b@corp\.example-[0-9a-f]{16}$/);
  });

  it('cuts values over 64 characters to 64, keeping long emails apart by the hash', () => {
    const long1 = `${'x'.repeat(70)}1@corp.example`;
    const long2 = `${'x'.repeat(70)}2@corp.example`;
    const a = sanitiseSessionName(long1);
    const b = sanitiseSessionName(long2);
    expect(a).toMatch(AWS_CHARSET);
    expect(a.length).toBeLessThanOrEqual(64);
    expect(a).not.toBe(b);
  });

  it('accepts exactly 64 characters unchanged and rewrites 65', () => {
    expect(sanitiseSessionName('a'.repeat(64))).toBe('a'.repeat(64));
    expect(sanitiseSessionName('a'.repeat(65))).not.toBe('a'.repeat(64));
    expect(sanitiseSessionName('a'.repeat(65))).toMatch(AWS_CHARSET);
  });

  it('pads a one-character value to a valid name', () => {
    const name = sanitiseSessionName('a');
    expect(name).toMatch(/^a-[0-9a-f]{16}$/);
    expect(name).toMatch(AWS_CHARSET);
  });

  it('refuses an empty value', () => {
    let code = '';
    try { sanitiseSessionName(''); } catch (e) { code = isHatrackError(e) ? e.code : 'other'; }
    expect(code).toBe('empty_session_name');
  });

  it('turns XML and shell metacharacters into safe characters', () => {
    const name = sanitiseSessionName('"><script>$(rm -rf)`&\'@corp.example');
    expect(name).toMatch(AWS_CHARSET);
  });

  it.each(['alice@corp.example', 'jörg@corp.example', 'a', 'x'.repeat(200), '日本語', 'aws:admin', ' spaced out '])('always yields the AWS charset and length for %s', (input) => {
    expect(sanitiseSessionName(input)).toMatch(AWS_CHARSET);
    expect(isValidSessionName(sanitiseSessionName(input))).toBe(true);
  });
});

describe('sanitiseSourceIdentity', () => {
  it('never starts with aws: whatever the case of the input', () => {
    for (const input of ['aws:admin', 'AWS:admin', 'Aws:x@corp.example']) {
      const value = sanitiseSourceIdentity(input);
      expect(value.toLowerCase().startsWith('aws:')).toBe(false);
      expect(value).toMatch(AWS_CHARSET);
    }
    expect(sanitiseSourceIdentity('aws:admin')).toMatch(/^aws-admin-[0-9a-f]{16}$/);
  });

  it('equals the RoleSessionName for the same email', () => {
    expect(sanitiseSourceIdentity('alice@corp.example')).toBe(sanitiseSessionName('alice@corp.example'));
  });
});
