// The clipkit web page: plain JavaScript against the JSON API, no build step.
(function () {
  'use strict';
  const $ = (id) => document.getElementById(id);
  let photo = null;      // the chosen File
  let health = null;

  function headers() {
    const t = $('token').value.trim();
    return t ? { 'Authorization': 'Bearer ' + t } : {};
  }

  async function call(url, options) {
    const r = await fetch(url, Object.assign({}, options, { headers: Object.assign(headers(), (options || {}).headers) }));
    const type = r.headers.get('Content-Type') || '';
    const body = type.startsWith('application/json') ? await r.json() : await r.blob();
    if (!r.ok) {
      throw new Error((body && body.error) || ('HTTP ' + r.status));
    }
    return body;
  }

  function status(el, text, isError) {
    el.textContent = text;
    el.classList.toggle('error', !!isError);
  }

  function choose(file) {
    if (!file) return;
    photo = file;
    const img = $('preview');
    img.src = URL.createObjectURL(file);
    img.hidden = false;
    $('drop-hint').hidden = true;
    $('classify').disabled = false;
    classify();
  }

  async function classify() {
    if (!photo) return;
    const labels = $('labels').value;
    const form = new FormData();
    form.append('image', photo, photo.name || 'photo');
    form.append('labels', labels);
    status($('status'), 'Classifying…');
    $('results').replaceChildren();
    try {
      const r = await call('/v1/classify', { method: 'POST', body: form });
      show(r);
      status($('status'), r.model + ' · ' + r.labels.length + ' labels');
    } catch (e) {
      status($('status'), e.message, true);
    }
  }

  function show(result) {
    const list = $('results');
    list.replaceChildren();
    for (const l of result.labels) {
      const li = document.createElement('li');
      li.className = 'result-row';
      li.dataset.label = l.label;
      const name = document.createElement('span');
      name.className = 'label';
      name.textContent = l.label;
      const bar = document.createElement('div');
      bar.className = 'bar';
      const fill = document.createElement('span');
      fill.style.width = (100 * l.probability).toFixed(1) + '%';
      bar.appendChild(fill);
      const p = document.createElement('span');
      p.className = 'prob';
      p.textContent = (100 * l.probability).toFixed(1) + '%';
      li.append(name, bar, p);
      list.appendChild(li);
    }
  }

  async function search() {
    const q = $('query').value.trim();
    if (!q) return;
    status($('search-status'), 'Searching…');
    const hits = $('hits');
    hits.replaceChildren();
    try {
      const r = await call('/v1/search?k=12&q=' + encodeURIComponent(q));
      for (const h of r.hits) {
        const div = document.createElement('div');
        div.className = 'hit';
        const img = document.createElement('img');
        img.alt = h.path;
        const cap = document.createElement('div');
        cap.textContent = h.path.split('/').pop() + ' · ' + h.score.toFixed(3);
        div.append(img, cap);
        hits.appendChild(div);
        // Thumbnails go through fetch so the bearer token is sent with them too.
        call('/v1/thumbnail?path=' + encodeURIComponent(h.path)).then((b) => { img.src = URL.createObjectURL(b); }, () => {});
      }
      status($('search-status'), r.hits.length + ' hits');
    } catch (e) {
      status($('search-status'), e.message, true);
    }
  }

  const drop = $('drop');
  drop.addEventListener('dragover', (e) => { e.preventDefault(); drop.classList.add('over'); });
  drop.addEventListener('dragleave', () => drop.classList.remove('over'));
  drop.addEventListener('drop', (e) => {
    e.preventDefault();
    drop.classList.remove('over');
    choose(e.dataTransfer.files[0]);
  });
  $('file').addEventListener('change', (e) => choose(e.target.files[0]));
  $('classify-form').addEventListener('submit', (e) => { e.preventDefault(); classify(); });
  $('search-form').addEventListener('submit', (e) => { e.preventDefault(); search(); });
  $('token').value = localStorage.getItem('clipkit-token') || '';
  $('token').addEventListener('change', () => localStorage.setItem('clipkit-token', $('token').value));

  fetch('/health').then((r) => r.json()).then((h) => {
    health = h;
    $('model').textContent = h.model + ' · ' + h.embed_dim + '-d · ' + h.device;
    $('token-box').hidden = !h.auth_required;
    $('search-box').hidden = !h.index;
  }, () => { $('model').textContent = 'server not reachable'; });
})();
