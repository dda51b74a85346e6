// The dashboard's only script: follows /events (server-sent events from loop-events), lists
// each event as text, and re-reads the page's content from the server after a change, so
// the figures on screen are always the stored ones. Nothing received becomes markup here:
// events go in with textContent; the refreshed content is the server's escaped HTML.
(() => {
  const body = document.body;
  const loop = body.dataset.live;
  if (!loop) return;
  const state = document.getElementById('live-state');
  const setState = (text, on) => {
    if (!state) return;
    state.textContent = text;
    state.className = on ? 'live on' : 'live off';
  };
  let received = 0;
  let refreshes = 0;
  let timer;

  const describe = (e) => {
    const what =
      e.type === 'phase-changed' ? e.phase : e.type === 'verdict' ? `verdict ${e.verdict}` : e.type === 'loop-ended' ? `loop ended ${e.status}` : e.type;
    return { time: (e.at || '').slice(11, 19), where: `${e.loopId}${e.cycle !== undefined ? ` #${e.cycle}` : ''}`, what, detail: e.detail || '' };
  };

  const show = (e) => {
    const list = document.getElementById('events');
    if (!list) return;
    list.querySelector('li.empty')?.remove();
    const d = describe(e);
    const li = document.createElement('li');
    li.dataset.type = e.type;
    for (const [cls, text] of [['time', d.time], ['where', d.where], ['what', d.what], ['detail', d.detail]]) {
      const span = document.createElement('span');
      span.className = cls;
      span.textContent = text;
      li.append(span, ' ');
    }
    list.prepend(li);
    while (list.children.length > 200) list.lastElementChild.remove();
  };

  const refresh = async () => {
    const response = await fetch(location.href, { headers: { accept: 'text/html' }, cache: 'no-store' });
    if (!response.ok) return;
    const fresh = new DOMParser().parseFromString(await response.text(), 'text/html').getElementById('content');
    const content = document.getElementById('content');
    if (!fresh || !content) return;
    // The event log lives in the browser: carry it over into the new content.
    const log = document.getElementById('events');
    const slot = fresh.querySelector('#events');
    if (log && slot) slot.replaceWith(log);
    // A copy first: the list is live, and moving its nodes out would skip every other one.
    content.replaceChildren(...[...fresh.childNodes]);
    body.dataset.refreshes = String(++refreshes);
  };

  const source = new EventSource(loop === '*' ? '/events' : `/events?loop=${encodeURIComponent(loop)}`);
  source.addEventListener('ready', () => setState('live', true));
  source.addEventListener('error', () => setState('live: reconnecting', false));
  source.addEventListener('loop-event', (message) => {
    const event = JSON.parse(message.data);
    body.dataset.events = String(++received);
    show(event);
    clearTimeout(timer);
    timer = setTimeout(() => refresh().catch(() => setState('live: could not refresh', false)), 250);
  });
})();
