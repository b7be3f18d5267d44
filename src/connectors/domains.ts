// Email domains a connector admits (`allowedDomains`), the same for every connector type: a domain
// name is checked label by label (RFC 1035 shape, a letters-only top level), and an address is in
// a listed domain when the text after its last `@` equals one of them, ignoring ASCII case.

const LABEL = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;
const TOP_LEVEL = /^[a-z]{2,63}$/;

/** A lower-case domain name of two or more labels, at most 253 characters. */
export function isDomainName(domain: string): boolean {
  if (domain.length === 0 || domain.length > 253) return false;
  const labels = domain.split('.');
  return labels.length >= 2 && labels.every((l) => LABEL.test(l)) && TOP_LEVEL.test(labels[labels.length - 1]!);
}

/** The domain of an address: what follows its last `@`, ASCII letters lower-cased. */
export function emailDomain(email: string): string {
  return email.slice(email.lastIndexOf('@') + 1).replace(/[A-Z]+/g, (m) => m.toLowerCase());
}

/** Whether the address is in one of the domains; true when no list is configured. */
export function inAllowedDomains(email: string, allowedDomains: readonly string[] | undefined): boolean {
  return allowedDomains === undefined || allowedDomains.includes(emailDomain(email));
}

/** A connector's `allowedDomains` in the form compared (lower case); its problems added to `problems`. */
export function resolveAllowedDomains(value: unknown, problems: string[]): string[] | undefined {
  if (value === undefined) return undefined;
  if (!Array.isArray(value) || value.length === 0) {
    problems.push('allowedDomains must list at least one domain when set');
    return undefined;
  }
  const domains = value.map((d) => (typeof d === 'string' ? d.trim().toLowerCase() : ''));
  domains.forEach((d, i) => {
    if (!isDomainName(d)) problems.push(`allowedDomains[${i}] is not a domain name`);
  });
  return domains;
}
