// The console's script (served as a Worker asset). The pages work without it; it adds the review queue's
// keyboard shortcuts and draws the schema's Mermaid diagram as a picture.

(() => {
  const cards = () => [...document.querySelectorAll('article.conflict')];
  const typing = (el) =>
    el && (el.tagName === 'INPUT' || el.tagName === 'TEXTAREA' || el.tagName === 'SELECT' || el.isContentEditable);

  function focusCard(step) {
    const all = cards();
    if (all.length === 0) return;
    const current = all.indexOf(document.activeElement?.closest?.('article.conflict'));
    const next = all[Math.min(all.length - 1, Math.max(0, current === -1 ? 0 : current + step))];
    next.focus();
    next.scrollIntoView({ block: 'nearest' });
  }

  document.addEventListener('keydown', (event) => {
    if (event.ctrlKey || event.metaKey || event.altKey || typing(event.target)) return;
    if (event.key === 'j') focusCard(1);
    else if (event.key === 'k') focusCard(-1);
    else {
      const card = document.activeElement?.closest?.('article.conflict');
      const button = card?.querySelector(`form.decide button[data-key="${CSS.escape(event.key)}"]`);
      if (!button) return;
      event.preventDefault();
      // The form's own submission, as a click would do it: the decision is the button's value.
      button.form.requestSubmit(button);
    }
  });
  const first = cards()[0];
  if (first && !location.hash) first.focus({ preventScroll: true });

  // Schema diagrams: the Mermaid source in <pre class="mermaid-source">, drawn by the bundled renderer into an
  // <img> (a blob: URL), so the SVG's own styles never meet the page's CSP.
  const sources = document.querySelectorAll('pre.mermaid-source');
  const mermaid = globalThis.__esbuild_esm_mermaid_nm?.mermaid?.default ?? globalThis.mermaid;
  if (sources.length > 0 && mermaid) {
    mermaid.initialize({ startOnLoad: false, securityLevel: 'strict', theme: 'neutral' });
    sources.forEach(async (pre, i) => {
      const figure = pre.closest('figure');
      const status = figure?.querySelector('.diagram-status');
      try {
        const { svg } = await mermaid.render(`schema-diagram-${i}`, pre.textContent);
        const img = document.createElement('img');
        img.alt = pre.dataset.alt || 'Entity-relationship diagram of the schema';
        img.src = URL.createObjectURL(new Blob([svg], { type: 'image/svg+xml' }));
        img.className = 'diagram-picture';
        pre.hidden = true;
        pre.before(img);
        if (status) status.textContent = '';
      } catch (error) {
        if (status)
          status.textContent = `The diagram could not be drawn (${error?.message ?? error}); its Mermaid source is below.`;
      }
    });
  }
})();
