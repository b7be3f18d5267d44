// Response headers for every page. The CSP allows only our own scripts and styles; form-action
// must also allow the AWS federation origin, because Chromium applies form-action to the
// redirect that follows the "Console" form's POST.
import type { NextFunction, Request, Response } from 'express';

export function securityHeaders(options: { formActionOrigins: string[]; https: boolean }) {
  const formAction = ["'self'", ...new Set(options.formActionOrigins)].join(' ');
  const csp = [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self'",
    "connect-src 'self'",
    `form-action ${formAction}`,
    "frame-ancestors 'none'",
    "base-uri 'none'",
  ].join('; ');
  return (req: Request, res: Response, next: NextFunction) => {
    res.set({
      'Content-Security-Policy': csp,
      'X-Content-Type-Options': 'nosniff',
      'X-Frame-Options': 'DENY',
      // Sign-in URLs and codes must never leak through Referer to another site (SECURITY.md W12).
      // Not `no-referrer`: with it browsers send `Origin: null` on our own form POSTs, which the
      // same-origin check (W5) must then refuse.
      'Referrer-Policy': 'same-origin',
      'Cross-Origin-Opener-Policy': 'same-origin',
    });
    // Only over TLS as Express sees it (`trust proxy`): a host must not send HSTS over plain http
    // (RFC 6797 §7.2).
    if (options.https && req.secure) res.set('Strict-Transport-Security', 'max-age=31536000');
    next();
  };
}
