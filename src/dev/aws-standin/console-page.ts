// The pages a browser sees at the stand-in's sign-in endpoint: a small "console" naming who is
// signed in, and an error page. Every value is HTML-escaped; `data-testid`s let browser tests read them.

export interface ConsoleView {
  assumedRoleArn: string;
  roleName: string;
  sessionName: string;
  account: string;
  destination: string;
  issuer?: string;
  sourceIdentity?: string;
  expiresAt: Date;
}

export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

/** Headers for every page: nothing loads from anywhere, nothing frames it, nothing is cached. */
export const PAGE_HEADERS = {
  'content-type': 'text/html; charset=utf-8',
  'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; form-action 'none'; frame-ancestors 'none'",
  'cache-control': 'no-store',
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
} as const;

const STYLE =
  'body{font-family:system-ui,sans-serif;margin:2rem;color:#16191f}' +
  'header{background:#232f3e;color:#fff;padding:.75rem 1rem;margin:-2rem -2rem 2rem}' +
  'dt{font-weight:600;margin-top:.75rem}dd{margin:0;font-family:ui-monospace,monospace;overflow-wrap:anywhere}';

function page(title: string, body: string): string {
  return (
    '<!doctype html>\n<html lang="en"><head><meta charset="utf-8">' +
    '<meta name="robots" content="noindex">' +
    `<title>${escapeHtml(title)}</title><style>${STYLE}</style></head>` +
    `<body><header>AWS console (offline stand-in)</header>${body}</body></html>\n`
  );
}

function row(label: string, testId: string, value: string): string {
  return `<dt>${escapeHtml(label)}</dt><dd data-testid="${testId}">${escapeHtml(value)}</dd>`;
}

export function consolePage(view: ConsoleView): string {
  const rows = [
    row('Assumed role', 'assumed-role', view.assumedRoleArn),
    row('Role', 'role-name', view.roleName),
    row('Session name', 'session-name', view.sessionName),
    row('Account', 'account', view.account),
    row('Destination', 'destination', view.destination),
    row('Session expires', 'expires', view.expiresAt.toISOString()),
  ];
  if (view.sourceIdentity !== undefined) rows.push(row('Source identity', 'source-identity', view.sourceIdentity));
  if (view.issuer !== undefined) rows.push(row('Issuer', 'issuer', view.issuer));
  return page(
    `${view.roleName} @ ${view.account} — AWS console (offline stand-in)`,
    `<main data-testid="console"><h1>Signed in to the AWS console (offline stand-in)</h1><dl>${rows.join('')}</dl></main>`,
  );
}

export function errorPage(code: string, message: string): string {
  return page(
    'Sign-in error — AWS console (offline stand-in)',
    `<main data-testid="signin-error"><h1>Amazon Web Services Sign-In</h1>` +
      `<p data-testid="error-code">${escapeHtml(code)}</p><p data-testid="error-message">${escapeHtml(message)}</p></main>`,
  );
}
