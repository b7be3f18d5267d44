// Hatrack's only script: copy buttons and the role filter. Served from our origin (CSP script-src 'self').
'use strict';

document.addEventListener('click', async (event) => {
  const button = event.target instanceof Element ? event.target.closest('button[data-copy]') : null;
  if (!button) return;
  const source = document.getElementById(button.getAttribute('data-copy'));
  if (!source) return;
  // A link is copied as the absolute address it points to, the way a bookmark keeps it.
  const text = button.hasAttribute('data-copy-href') && source instanceof HTMLAnchorElement ? source.href : source.textContent;
  try {
    await navigator.clipboard.writeText(text);
  } catch {
    // Clipboard API unavailable (http, old browser): select the text for a manual copy.
    const range = document.createRange();
    range.selectNodeContents(source);
    const selection = window.getSelection();
    selection.removeAllRanges();
    selection.addRange(range);
    document.execCommand('copy');
  }
  const label = button.textContent;
  button.textContent = 'Copied';
  setTimeout(() => { button.textContent = label; }, 1500);
});

const filter = document.getElementById('role-filter');
if (filter) {
  filter.addEventListener('input', () => {
    const words = filter.value.toLowerCase().split(/\s+/).filter(Boolean);
    let shown = 0;
    for (const section of document.querySelectorAll('section.account')) {
      let inSection = 0;
      for (const role of section.querySelectorAll('li.role')) {
        const haystack = (section.dataset.account + ' ' + role.dataset.role).toLowerCase();
        const match = words.every((w) => haystack.includes(w));
        role.hidden = !match;
        if (match) inSection++;
      }
      section.hidden = inSection === 0;
      shown += inSection;
    }
    document.getElementById('filter-empty').hidden = shown !== 0;
  });
}

// A live table (the admin activity page): its rows are fetched again every few seconds, from this
// same page, while the tab is visible.
const live = document.querySelector('table[data-live]');
if (live) {
  const every = Number(live.getAttribute('data-live')) || 5000;
  setInterval(async () => {
    if (document.hidden) return;
    try {
      const res = await fetch(window.location.href, { credentials: 'same-origin', headers: { accept: 'text/html' } });
      if (!res.ok) return;
      const fresh = new DOMParser().parseFromString(await res.text(), 'text/html').querySelector('table[data-live] tbody');
      const rows = live.querySelector('tbody');
      if (fresh && rows) rows.replaceWith(fresh);
    } catch {
      // Offline for a moment: the next round tries again.
    }
  }, every);
}
