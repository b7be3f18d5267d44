// Values every part of the broker derives the same way from the configuration.
import type { Config } from './schema.ts';

/** publicUrl without a trailing slash: the base of every URL Hatrack publishes. */
export function publicBaseUrl(config: Config): string {
  return withoutTrailingSlashes(config.publicUrl);
}

/** The text with every `/` at its end removed (a loop: `/\/+$/` would be quadratic on slashes). */
export function withoutTrailingSlashes(text: string): string {
  let end = text.length;
  while (end > 0 && text[end - 1] === '/') end--;
  return text.slice(0, end);
}

/** Hatrack's IdP entity ID: the Issuer AWS expects, exactly as in the uploaded metadata (AWS.md §1). */
export function idpEntityId(config: Config): string {
  return config.signing.entityId ?? `${publicBaseUrl(config)}/saml/metadata`;
}
