// Device codes, user codes and broker tokens are stored under their SHA-256 (SECURITY.md D3): a
// copy of the store hands out nothing that works. They are random, so no salt or slow hash is needed.
import { createHash } from 'node:crypto';

export function secretKey(secret: string): string {
  return createHash('sha256').update(secret).digest('base64url');
}
