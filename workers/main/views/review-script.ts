// The review page's client script (browser JavaScript, served as is): it posts a decision through the
// same authenticated API as everything else, asking for the API token and keeping it in the tab's
// sessionStorage only.

/** Where the page loads the script from (same origin, as the page's CSP requires). */
export const REVIEW_SCRIPT_PATH = '/review.js';

/** The script: posts a decision with the token and shows the outcome on the card. */
export const REVIEW_SCRIPT = `'use strict';
const identity = document.getElementById('identity');
identity.by.value = sessionStorage.getItem('living-schema.by') || '';
identity.token.value = sessionStorage.getItem('living-schema.token') || '';
for (const form of document.querySelectorAll('form.decide')) {
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const card = form.closest('.conflict');
    const out = form.querySelector('output');
    const by = identity.by.value.trim();
    const token = identity.token.value.trim();
    if (!by || !token) { out.textContent = 'Enter your name and the API token first.'; return; }
    sessionStorage.setItem('living-schema.by', by);
    sessionStorage.setItem('living-schema.token', token);
    const body = { decision: form.decision.value, by };
    if (form.note.value.trim()) body.note = form.note.value.trim();
    out.textContent = 'Saving…';
    try {
      const response = await fetch('/api/conflicts/' + encodeURIComponent(card.dataset.id) + '/resolve', {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: 'Bearer ' + token },
        body: JSON.stringify(body),
      });
      const result = await response.json();
      if (!response.ok) { out.textContent = result.error ? result.error.message : 'HTTP ' + response.status; return; }
      out.textContent = 'Done: ' + result.effect + '.';
      card.classList.add('done');
      for (const input of form.querySelectorAll('input, button')) input.disabled = true;
    } catch (error) {
      out.textContent = 'Could not reach the API: ' + error;
    }
  });
}
`;
