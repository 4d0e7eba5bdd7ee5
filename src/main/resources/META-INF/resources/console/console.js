// The operator console: plain fetch calls to the operator API with the admin token, kept in this tab only.
'use strict';
const $ = (id) => document.getElementById(id);
const TOKEN_KEY = 'autonova-admin-token';

function token() { return sessionStorage.getItem(TOKEN_KEY); }

function say(text, ok) {
  $('status').textContent = text;
  $('status').className = ok ? 'ok' : '';
}

async function api(method, path, body) {
  const r = await fetch('/api/v1' + path, {
    method,
    headers: Object.assign({ 'Authorization': 'Bearer ' + token() }, body ? { 'Content-Type': 'application/json' } : {}),
    body: body ? JSON.stringify(body) : undefined,
  });
  const type = r.headers.get('Content-Type') || '';
  const data = type.includes('json') ? await r.json() : await r.text();
  if (!r.ok) {
    throw new Error((data && (data.detail || data.title)) || (r.status + ' ' + r.statusText));
  }
  return data;
}

function cell(tr, text, className) {
  const td = document.createElement('td');
  td.textContent = text == null ? '' : String(text);
  if (className) td.className = className;
  tr.appendChild(td);
  return td;
}

function button(td, label, onClick) {
  const b = document.createElement('button');
  b.type = 'button';
  b.textContent = label;
  b.addEventListener('click', onClick);
  td.appendChild(b);
  return b;
}

function fill(tableId, rows, render) {
  const body = $(tableId).querySelector('tbody');
  body.replaceChildren();
  for (const row of rows) {
    const tr = document.createElement('tr');
    render(tr, row);
    body.appendChild(tr);
  }
  if (rows.length === 0) {
    const tr = document.createElement('tr');
    const td = cell(tr, 'none');
    td.colSpan = $(tableId).querySelectorAll('th').length;
    body.appendChild(tr);
  }
}

async function refresh() {
  try {
    const [pauses, targets, recs] = await Promise.all([api('GET', '/pauses'), api('GET', '/targets'), api('GET', '/remediations?limit=50')]);
    fill('pauses', pauses.pauses || [], (tr, p) => {
      cell(tr, p.scope);
      cell(tr, p.scope === 'GLOBAL' ? 'everything' : [p.namespace, p.service].filter(Boolean).join('/'));
      cell(tr, p.reason);
      cell(tr, p.createdBy);
      cell(tr, p.expiresAt);
      button(cell(tr, ''), 'Resume', async () => {
        await act(() => api('DELETE', '/pauses/' + encodeURIComponent(p.id)), 'resumed: ' + p.reason);
      });
    });
    fill('held', (targets.targets || []).filter((t) => t.hold), (tr, t) => {
      cell(tr, t.target);
      cell(tr, t.hold);
      button(cell(tr, ''), 'Clear hold', async () => {
        if (!confirm('Clear the hold on ' + t.target + '? Automation may act on it again.')) return;
        const [ns, dep] = t.target.split('/');
        await act(() => api('DELETE', '/targets/' + encodeURIComponent(ns) + '/' + encodeURIComponent(dep) + '/hold'), 'hold cleared on ' + t.target);
      });
    });
    fill('remediations', recs.remediations || [], (tr, r) => {
      tr.className = (r.phase || '').toLowerCase();
      const name = cell(tr, '');
      const a = document.createElement('a');
      a.href = '#' + r.name;
      a.textContent = r.name;
      a.addEventListener('click', (e) => { e.preventDefault(); show(r.name); });
      name.appendChild(a);
      cell(tr, r.target);
      cell(tr, r.scenario);
      cell(tr, r.phase);
      cell(tr, [r.reason, r.failureReason].filter(Boolean).join(' '));
      cell(tr, r.createdAt);
      const actions = cell(tr, '');
      if (r.phase === 'PENDING' || r.phase === 'RUNNING') {
        button(actions, 'Abort', async () => {
          if (!confirm('Abort ' + r.name + '? What is safe to undo is undone; a rollback already applied stays.')) return;
          await act(() => api('POST', '/remediations/' + encodeURIComponent(r.name) + '/abort'), 'abort requested: ' + r.name);
        });
      }
    });
    say('connected: ' + recs.store + ' store' + (recs.dryRun ? ', dry-run' : ''), true);
  } catch (e) {
    say(e.message);
  }
}

async function act(call, done) {
  try {
    await call();
    say(done, true);
  } catch (e) {
    say(e.message);
  }
  await refresh();
}

async function show(name) {
  try {
    const r = await api('GET', '/remediations/' + encodeURIComponent(name));
    $('detail').hidden = false;
    $('detail-title').textContent = name + ' — ' + r.status.phase;
    $('detail-message').textContent = r.status.message || '';
    $('detail-report').href = '#';
    $('detail-report').onclick = async (e) => {
      e.preventDefault();
      const md = await api('GET', '/remediations/' + encodeURIComponent(name) + '/report');
      const w = window.open('', '_blank');
      if (w) { w.document.body.innerText = md; }
    };
    fill('steps', r.status.steps || [], (tr, s) => {
      tr.className = s.phase;
      cell(tr, (s.compensation ? 'undo: ' : '') + s.name);
      cell(tr, s.phase);
      cell(tr, s.startedAt);
      cell(tr, s.finishedAt);
      cell(tr, s.message);
    });
    const ul = $('human-actions');
    ul.replaceChildren();
    for (const h of r.status.humanActions || []) {
      const li = document.createElement('li');
      li.textContent = h;
      ul.appendChild(li);
    }
  } catch (e) {
    say(e.message);
  }
}

$('login').addEventListener('submit', (e) => {
  e.preventDefault();
  sessionStorage.setItem(TOKEN_KEY, $('token').value.trim());
  $('token').value = '';
  $('app').hidden = false;
  refresh();
});
$('forget').addEventListener('click', () => {
  sessionStorage.removeItem(TOKEN_KEY);
  $('app').hidden = true;
  say('token forgotten');
});
$('pause-form').addEventListener('submit', async (e) => {
  e.preventDefault();
  const body = { scope: $('pause-scope').value, reason: $('pause-reason').value, duration: $('pause-duration').value };
  if ($('pause-namespace').value) body.namespace = $('pause-namespace').value;
  if ($('pause-service').value) body.service = $('pause-service').value;
  await act(() => api('POST', '/pauses', body), 'paused: ' + body.reason);
});
if (token()) {
  $('app').hidden = false;
  refresh();
}
setInterval(() => { if (token() && !$('app').hidden) refresh(); }, 5000);
