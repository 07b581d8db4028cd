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
  // No card is focused on load: a decision from the keyboard needs a card chosen first (j, k or a click).

  // Schema diagrams: the Mermaid source in <pre class="mermaid-source">, drawn by the bundled renderer in a
  // sandboxed frame of its own (diagram.html: Mermaid needs inline styles, which this page's CSP refuses) and
  // shown as an <img> of the SVG it returns (a blob: URL), so the SVG's own styles never meet the page.
  const sources = [...document.querySelectorAll('pre.mermaid-source')];
  if (sources.length > 0) {
    const frame = document.createElement('iframe');
    frame.src = '/console/diagram';
    frame.sandbox = 'allow-scripts';
    frame.className = 'diagram-renderer';
    frame.title = 'Diagram renderer';
    frame.tabIndex = -1;
    frame.setAttribute('aria-hidden', 'true');
    const statusOf = (pre) => pre.closest('figure')?.querySelector('.diagram-status');
    const failed = (pre, why) => {
      const status = statusOf(pre);
      if (status) status.textContent = `The diagram could not be drawn (${why}); its Mermaid source is below.`;
    };
    const timeout = setTimeout(() => {
      for (const pre of sources) if (!pre.hidden) failed(pre, 'the renderer did not answer');
    }, 30_000);
    for (const pre of sources) {
      const status = statusOf(pre);
      if (status) status.textContent = 'Drawing the diagram…';
    }
    let done = 0;
    addEventListener('message', (event) => {
      if (event.source !== frame.contentWindow) return;
      const data = event.data ?? {};
      if (data.ready) {
        sources.forEach((pre, i) => {
          frame.contentWindow.postMessage({ id: String(i), source: pre.textContent }, '*');
        });
        return;
      }
      const pre = sources[Number(data.id)];
      if (!pre) return;
      if (typeof data.svg === 'string') {
        const img = document.createElement('img');
        img.alt = pre.dataset.alt || 'Entity-relationship diagram of the schema';
        img.src = URL.createObjectURL(new Blob([data.svg], { type: 'image/svg+xml' }));
        img.className = 'diagram-picture';
        // The picture fits the page; its link opens it full size, where a wide schema is readable.
        const full = document.createElement('a');
        full.href = img.src;
        full.target = '_blank';
        full.rel = 'noopener';
        full.append(img);
        pre.hidden = true;
        pre.before(full);
        const status = statusOf(pre);
        if (status) status.textContent = 'Open the picture for the diagram at full size.';
      } else {
        failed(pre, data.error ?? 'unknown error');
      }
      done += 1;
      if (done === sources.length) {
        clearTimeout(timeout);
        frame.remove();
      }
    });
    document.body.append(frame);
  }
})();
