// The diagram renderer's frame (diagram.html): Mermaid source in by postMessage from the console page, SVG text
// out. The frame is sandboxed without allow-same-origin, so it reads nothing of the console's.

(() => {
  const mermaid = globalThis.mermaid;
  mermaid.initialize({ startOnLoad: false, securityLevel: 'strict', theme: 'neutral' });
  let n = 0;
  addEventListener('message', async (event) => {
    if (event.source !== parent) return;
    const { id, source } = event.data ?? {};
    if (typeof id !== 'string' || typeof source !== 'string') return;
    try {
      n += 1;
      const { svg } = await mermaid.render(`diagram-${n}`, source);
      parent.postMessage({ id, svg }, '*');
    } catch (error) {
      parent.postMessage({ id, error: String(error?.message ?? error) }, '*');
    }
  });
  parent.postMessage({ ready: true }, '*');
})();
