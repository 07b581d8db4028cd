// The conflicts review page's markup: server-rendered HTML (names escaped), one card per open conflict
// with its reasons and a decision form. The page runs no inline script: its behaviour is the client
// script in review-script.ts, served from REVIEW_SCRIPT_PATH.

import type { ConflictRow } from '../../../lib/discovery/catalog-tables/entity-conflicts.ts';
import { describeReason } from '../../../lib/discovery/conflicts.ts';
import { REVIEW_SCRIPT_PATH } from './review-script.ts';

/** The page's Content-Security-Policy: scripts only from this origin (the client script), no inline ones. */
export const REVIEW_PAGE_CSP =
  "default-src 'none'; script-src 'self'; style-src 'unsafe-inline'; connect-src 'self'; form-action 'none'; frame-ancestors 'none'";

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
<script src="${REVIEW_SCRIPT_PATH}"></script>
</body>
</html>`;
}
