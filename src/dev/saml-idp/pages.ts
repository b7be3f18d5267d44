// The dev IdP's pages: sign-in, app launcher, the auto-submitted POST to the ACS, errors. Plain
// HTML readable on a phone, no external assets: one stylesheet and one script, both served by the
// IdP itself, so its Content-Security-Policy can say `script-src 'self'` with no inline script.

export function escapeHtml(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}

const e = escapeHtml;

function page(title: string, body: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>${e(title)}</title>
<link rel="stylesheet" href="/assets/idp.css">
</head>
<body>
<header><span class="logo" aria-hidden="true">W</span> Workspace <small>(Hatrack demo stand-in for Google)</small></header>
<main>
${body}
</main>
</body>
</html>
`;
}

export const STYLESHEET = `
*{box-sizing:border-box}
body{margin:0;font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#202124;background:#f1f3f4}
header{background:#fff;border-bottom:1px solid #dadce0;padding:.75rem 1rem;font-weight:600}
header small{font-weight:400;color:#5f6368}
.logo{display:inline-block;width:1.6rem;height:1.6rem;border-radius:50%;background:#1a73e8;color:#fff;text-align:center;line-height:1.6rem;margin-right:.4rem}
main{max-width:28rem;margin:1.5rem auto;padding:0 1rem}
.card{background:#fff;border:1px solid #dadce0;border-radius:8px;padding:1.5rem}
h1{font-size:1.4rem;font-weight:500;margin:0 0 .5rem}
p{margin:.5rem 0}
label{display:block;margin-top:1rem;font-size:.9rem;color:#5f6368}
input[type=text],input[type=password]{width:100%;font-size:1rem;padding:.7rem;border:1px solid #dadce0;border-radius:4px;margin-top:.25rem}
button,.button{display:inline-block;font-size:1rem;padding:.6rem 1.2rem;margin-top:1.25rem;border:0;border-radius:4px;background:#1a73e8;color:#fff;text-decoration:none;cursor:pointer}
button.link{background:none;color:#1a73e8;padding:0;margin:0}
.error{color:#b3261e}
.hint{color:#5f6368;font-size:.9rem}
.tiles{display:grid;grid-template-columns:repeat(auto-fill,minmax(6.5rem,1fr));gap:1rem;margin-top:1rem}
.tile{display:block;text-align:center;padding:1rem .5rem;border-radius:8px;background:#fff;border:1px solid #dadce0;color:#202124;text-decoration:none}
.tile:hover,.tile:focus{border-color:#1a73e8}
.tile .icon{display:block;margin:0 auto .5rem;width:3rem;height:3rem;border-radius:12px;background:#34a853;color:#fff;font-size:1.6rem;line-height:3rem}
.apps{margin-top:1.5rem}
.who{display:flex;justify-content:space-between;align-items:center;gap:1rem;flex-wrap:wrap}
`;

/** Submits the one form on the page: the POST binding's hand-over to the service provider. */
export const AUTOPOST_SCRIPT = `document.getElementById('saml-post').submit();\n`;

export function signInPage(o: { request?: string; continueTo?: string; appName?: string; error?: string; usernames: readonly string[] }): string {
  const hidden = [
    o.request !== undefined ? `<input type="hidden" name="request" value="${e(o.request)}">` : '',
    o.continueTo !== undefined ? `<input type="hidden" name="continue" value="${e(o.continueTo)}">` : '',
  ].join('');
  return page('Sign in', `<div class="card">
<h1>Sign in</h1>
<p>${o.appName ? `to continue to <strong>${e(o.appName)}</strong>` : 'to your Workspace account'}</p>
${o.error ? `<p class="error" role="alert">${e(o.error)}</p>` : ''}
<form method="post" action="/signin">
${hidden}
<label for="username">Email or username</label>
<input id="username" name="username" type="text" autocomplete="username" autocapitalize="none" spellcheck="false" required autofocus>
<label for="password">Password</label>
<input id="password" name="password" type="password" autocomplete="current-password" required>
<label for="otp">One-time code <span class="muted">(optional: 2-Step Verification, for a multi-factor sign-in)</span></label>
<input id="otp" name="otp" type="text" inputmode="numeric" autocomplete="one-time-code" pattern="[0-9]{6}" maxlength="6">
<button type="submit">Next</button>
</form>
<p class="hint">Demo people: ${o.usernames.map(e).join(', ')}. Their passwords are printed when the demo starts.</p>
</div>`);
}

export function launcherPage(o: { email: string; name: string; tiles: Array<{ name: string; href: string }> }): string {
  return page('Apps', `<div class="card">
<div class="who"><div>Signed in as <strong>${e(o.name)}</strong><br><span class="hint">${e(o.email)}</span></div>
<form method="post" action="/signout"><button class="link" type="submit">Sign out</button></form></div>
</div>
<h1 class="apps">Your apps</h1>
<div class="tiles">
${o.tiles.map((t) => `<a class="tile" href="${e(t.href)}"><span class="icon" aria-hidden="true">🎩</span>${e(t.name)}</a>`).join('\n')}
</div>
<p class="hint">The tile signs you in to the app directly (IdP-initiated SAML), as the Google app launcher does.</p>`);
}

export function autoPostPage(o: { acsUrl: string; samlResponse: string; relayState?: string; appName: string }): string {
  return page(`Signing in to ${o.appName}`, `<div class="card">
<h1>Signing in to ${e(o.appName)}…</h1>
<form id="saml-post" method="post" action="${e(o.acsUrl)}">
<input type="hidden" name="SAMLResponse" value="${e(o.samlResponse)}">
${o.relayState !== undefined ? `<input type="hidden" name="RelayState" value="${e(o.relayState)}">` : ''}
<noscript><p>JavaScript is off: press the button to continue.</p></noscript>
<button type="submit">Continue to ${e(o.appName)}</button>
</form>
</div>
<script src="/assets/autopost.js"></script>`);
}

export function errorPage(message: string): string {
  return page('Error', `<div class="card"><h1>That did not work</h1><p class="error">${e(message)}</p><p><a href="/launcher">Back to your apps</a></p></div>`);
}
