// The conflicts review page: server-rendered HTML (names escaped), one card per open conflict with its
// reasons and a decision form. Decisions go through the same authenticated API as everything else: the
// page asks for the API token and keeps it in the tab's sessionStorage only.
import type { ConflictRow } from './catalog-tables/entity-conflicts.ts';
import { describeReason } from './conflicts.ts';

export function escapeHtml(s: string): string {
  return s
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;')
    .replaceAll("'", '&#39;');
}

const what = (c: ConflictRow) => (c.kind === 'field' ? `field of ${escapeHtml(c.source)}` : 'entity type');

function card(c: ConflictRow): string {
  const reasons = c.reasons.map((r) => `<li>${escapeHtml(describeReason(r))}</li>`).join('');
  return `<article class="conflict" id="conflict-${escapeHtml(c.id)}" data-id="${escapeHtml(c.id)}">
  <h2><code>${escapeHtml(c.newName)}</code> ↔ <code>${escapeHtml(c.existingName)}</code></h2>
  <p class="meta">${what(c)} · score ${c.score.toFixed(2)} · detected ${escapeHtml(c.detectedAt.toISOString())}</p>
  <ul class="reasons">${reasons}</ul>
  <form class="decide">
    <label><input type="radio" name="decision" value="approve" required> Approve: keep both names</label>
    <label><input type="radio" name="decision" value="reject"> Reject <code>${escapeHtml(c.newName)}</code></label>
    <label><input type="radio" name="decision" value="merge"> Merge <code>${escapeHtml(c.newName)}</code> into <code>${escapeHtml(c.existingName)}</code></label>
    <input name="note" placeholder="Note (optional)" maxlength="2000">
    <button type="submit">Decide</button>
    <output></output>
  </form>
</article>`;
}

function decidedRow(c: ConflictRow): string {
  return `<tr><td><code>${escapeHtml(c.newName)}</code> ↔ <code>${escapeHtml(c.existingName)}</code></td><td>${what(c)}</td>
  <td>${escapeHtml(c.decision ?? '')}</td><td>${escapeHtml(c.decidedBy ?? '')}</td><td>${escapeHtml(c.decidedAt?.toISOString() ?? '')}</td></tr>`;
}

export function renderReviewPage(data: {
  readonly open: readonly ConflictRow[];
  readonly decided: readonly ConflictRow[];
}): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Naming conflicts · living-schema</title>
<style>
  body { font: 15px/1.5 system-ui, sans-serif; max-width: 60rem; margin: 2rem auto; padding: 0 1rem; color: #1d1d1f; }
  .conflict { border: 1px solid #ccc; border-radius: 8px; padding: 0.75rem 1rem; margin: 1rem 0; }
  .conflict:target { border-color: #0a66c2; box-shadow: 0 0 0 3px #0a66c233; }
  .conflict.done { opacity: 0.6; }
  .meta { color: #555; margin: 0.25rem 0; }
  form.decide { display: flex; flex-wrap: wrap; gap: 0.5rem 1rem; align-items: center; }
  output { font-weight: 600; }
  #identity { display: flex; gap: 1rem; flex-wrap: wrap; padding: 0.75rem; background: #f5f5f7; border-radius: 8px; }
  table { border-collapse: collapse; width: 100%; } td { border-top: 1px solid #ddd; padding: 0.25rem 0.5rem; }
</style>
</head>
<body>
<h1>Naming conflicts</h1>
<p>${data.open.length} open. Approve keeps both names, reject marks the new name rejected, merge makes it an alias of the existing one. The next discovery run publishes the change as a schema snapshot.</p>
<form id="identity">
  <label>Your name <input name="by" autocomplete="name" required></label>
  <label>API token <input name="token" type="password" autocomplete="off" required></label>
</form>
<section id="open">
${data.open.length === 0 ? '<p id="empty">Nothing to review.</p>' : data.open.map(card).join('\n')}
</section>
<h2>Recently decided</h2>
<table id="decided"><tbody>
${data.decided.map(decidedRow).join('\n')}
</tbody></table>
<script src="/review.js"></script>
</body>
</html>`;
}

/** The page's script: posts a decision with the token and shows the outcome on the card. */
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
