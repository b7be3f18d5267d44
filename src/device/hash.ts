// Device codes, user codes and broker tokens are stored under their SHA-256 (SECURITY.md D3).
// Device codes and tokens carry 256 random bits, so a copy of the store hands out none of them
// and no salt or slow hash is needed. User codes (2^34.6 of them) could be found again from their
// hashes; they are useless without a signed-in browser to approve them in, and live minutes.
import { createHash } from 'node:crypto';

export function secretKey(secret: string): string {
  return createHash('sha256').update(secret).digest('base64url');
}
