// The operator console: plain fetch calls to the operator API with the token you give (your Kubernetes token, or the
// admin token), kept in this tab only. Everything from alerts, rules and records is set as text, never as HTML.
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

// A cell with the run's name, opening its page.
function runLink(tr, name) {
  const a = document.createElement('a');
  a.href = '#' + name;
  a.textContent = name;
  a.addEventListener('click', (e) => { e.preventDefault(); show(name); });
  cell(tr, '').appendChild(a);
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

function answer(name, verb) {
  const reason = prompt((verb === 'approve' ? 'Approve ' : 'Deny ') + name + '? Reason (recorded):', '');
  if (reason === null) return;
  const body = { via: 'console' };
  if (reason.trim()) body.reason = reason.trim();
  act(() => api('POST', '/remediations/' + encodeURIComponent(name) + '/' + verb, body), (verb === 'approve' ? 'approved: ' : 'denied: ') + name);
}

async function refresh() {
  try {
    const [pauses, targets, recs, waiting] = await Promise.all([api('GET', '/pauses'), api('GET', '/targets'), api('GET', '/remediations?limit=50'),
      api('GET', '/remediations?phase=awaiting-approval&limit=100')]);
    const previews = await Promise.all((waiting.remediations || []).map((r) => api('GET', '/remediations/' + encodeURIComponent(r.name))));
    fill('approvals', previews, (tr, r) => {
      runLink(tr, r.name);
      cell(tr, r.spec.target.namespace + '/' + r.spec.target.deployment);
      cell(tr, r.spec.scenario);
      cell(tr, ((r.spec.approval && r.spec.approval.requiredBy) || []).map((q) => q.source + (q.approvers.length ? ' (' + q.approvers.join(', ') + ')' : '')).join('; '));
      cell(tr, r.spec.approval && r.spec.approval.expiresAt);
      cell(tr, r.status.preview ? r.status.preview.summary + (r.status.preview.revisionFrom ? ' (revision ' + r.status.preview.revisionFrom + ' → ' + r.status.preview.revisionTo + ')' : '') : 'being prepared');
      const actions = cell(tr, '');
      button(actions, 'Approve', () => answer(r.name, 'approve'));
      button(actions, 'Deny', () => answer(r.name, 'deny'));
    });
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
      runLink(tr, r.name);
      cell(tr, r.target);
      cell(tr, r.scenario);
      cell(tr, r.phase);
      cell(tr, [r.reason, r.failureReason].filter(Boolean).join(' '));
      cell(tr, r.createdAt);
      const actions = cell(tr, '');
      if (r.phase === 'AWAITING_APPROVAL' || r.phase === 'PENDING' || r.phase === 'RUNNING') {
        button(actions, 'Abort', async () => {
          if (!confirm('Abort ' + r.name + '? What is safe to undo is undone; a rollback already applied stays.')) return;
          await act(() => api('POST', '/remediations/' + encodeURIComponent(r.name) + '/abort'), 'abort requested: ' + r.name);
        });
      }
    });
    say('connected: ' + recs.store + ' store' + (recs.dryRun ? ', dry-run' : ''), true);
    if (shown) await show(shown);
  } catch (e) {
    say(e.message);
  }
}

// The action's outcome is said last: the refresh after it must not cover it (an error above all).
async function act(call, done) {
  let outcome = [done, true];
  try {
    await call();
  } catch (e) {
    outcome = [e.message, false];
  }
  await refresh();
  say(outcome[0], outcome[1]);
}

let shown = null; // the run whose page is open: kept up to date by the periodic refresh

async function show(name) {
  shown = name;
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
    const ap = r.status.approval;
    $('detail-approval').textContent = r.spec.manual ? 'started by hand by ' + r.spec.manual.by + (r.spec.manual.forced ? ' (forced)' : '') + ': ' + r.spec.manual.reason + '. ' : '';
    if (r.spec.approval) {
      $('detail-approval').textContent += ap ? ap.answer + (ap.by ? ' by ' + ap.by + ' via ' + ap.via : '') + ' at ' + ap.at + (ap.reason ? ': ' + ap.reason : '')
        : 'waiting for approval until ' + r.spec.approval.expiresAt;
    }
    $('preview-box').hidden = !r.status.preview;
    if (r.status.preview) {
      $('preview-summary').textContent = r.status.preview.summary || '';
      fill('preview', r.status.preview.steps || [], (tr, s) => { cell(tr, s.name); cell(tr, s.message, 'preview-message'); });
    }
    await changes(r);
    timeline(r.status.steps || []);
    chart(r);
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

const SVG = 'http://www.w3.org/2000/svg';
function svg(parent, tag, attrs, text) {
  const el = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
  if (text != null) el.textContent = String(text);
  parent.appendChild(el);
  return el;
}

// The steps as bars from start to finish on one time axis: where the run spent its time, and what failed.
function timeline(steps) {
  const box = $('timeline');
  box.replaceChildren();
  const timed = steps.filter((s) => s.startedAt);
  box.setAttribute('height', timed.length ? 22 * timed.length + 10 : 0);
  if (!timed.length) return;
  const t0 = Math.min(...timed.map((s) => Date.parse(s.startedAt)));
  const t1 = Math.max(...timed.map((s) => Date.parse(s.finishedAt || s.startedAt)), t0 + 1000);
  const x = (t) => 260 + (t - t0) / (t1 - t0) * 620;
  timed.forEach((s, i) => {
    const y = 5 + i * 22;
    svg(box, 'text', { x: 0, y: y + 14, class: 'step-label' }, (s.compensation ? 'undo: ' : '') + s.name);
    const from = x(Date.parse(s.startedAt));
    const to = x(Date.parse(s.finishedAt || new Date().toISOString()));
    const bar = svg(box, 'rect', { x: from, y, width: Math.max(3, to - from), height: 16, class: 'bar ' + s.phase });
    svg(bar, 'title', {}, s.phase + ': ' + (s.message || ''));
  });
}

// The target's change timeline on one axis with the alert's start: what the gate read, and the change the run undoes.
async function changes(r) {
  const box = $('changes');
  const list = $('changes-list');
  box.replaceChildren();
  list.replaceChildren();
  box.setAttribute('height', 0);
  const c = r.spec.change;
  $('change-summary').textContent = c ? (c.row ? 'auto row ' + c.row + ': ' : '') + (c.summary || '') : '';
  let t;
  try {
    t = await api('GET', '/targets/' + encodeURIComponent(r.spec.target.namespace) + '/' + encodeURIComponent(r.spec.target.deployment) + '/changes');
  } catch (e) {
    $('change-summary').textContent += ' (timeline not available: ' + e.message + ')';
    return;
  }
  const alertAt = Date.parse(r.spec.trigger.startsAt || r.spec.trigger.receivedAt || r.createdAt);
  const timed = t.changes.filter((x) => x.at);
  for (const x of t.changes) {
    const li = document.createElement('li');
    li.textContent = (x.at || 'time unknown') + ' — ' + x.kind + ' ' + x.object + ': ' + (x.from || '?') + ' → ' + (x.to || '?')
      + (x.details && x.details.length ? ' (' + x.details.join('; ') + ')' : '') + (x.by ? ' by ' + x.by : '');
    list.appendChild(li);
  }
  for (const u of t.unknown || []) {
    const li = document.createElement('li');
    li.textContent = 'unknown: ' + u;
    list.appendChild(li);
  }
  if (!timed.length) return;
  box.setAttribute('height', 60);
  const times = timed.map((x) => Date.parse(x.at)).concat([alertAt]);
  const t0 = Math.min(...times);
  const t1 = Math.max(...times, t0 + 60000);
  const x = (v) => 20 + (v - t0) / (t1 - t0) * 860;
  svg(box, 'line', { x1: 20, y1: 30, x2: 880, y2: 30, stroke: '#ccc' });
  for (const ch of timed) {
    const undone = c && c.to === ch.to && c.object === ch.object;
    const dot = svg(box, 'circle', { cx: x(Date.parse(ch.at)), cy: 30, r: 6, class: 'change' + (ch.by ? ' ours' : '') + (undone ? ' undone' : '') });
    svg(dot, 'title', {}, ch.at + ' ' + ch.kind + ' ' + ch.object + ': ' + (ch.to || ''));
  }
  svg(box, 'line', { x1: x(alertAt), y1: 8, x2: x(alertAt), y2: 52, class: 'alert-start' });
  svg(box, 'text', { x: Math.min(x(alertAt) + 4, 800), y: 12, class: 'axis' }, 'alert started');
}

// The verification signal's answers (from the verify-signal step) as points against the rule's bound.
function chart(r) {
  const step = (r.status.steps || []).find((s) => s.name === 'verify-signal' && !s.compensation);
  const lines = step && step.outputs && step.outputs.observations ? step.outputs.observations.split('\n').filter(Boolean) : [];
  const bound = Number(r.spec.parameters && r.spec.parameters['verify.bound']);
  const points = lines.map((l) => { const p = l.split(' '); return { t: Date.parse(p[0]), kind: p[1], v: Number(p[2]) }; })
    .filter((p) => !Number.isNaN(p.t));
  $('chart-box').hidden = points.length === 0;
  const box = $('chart');
  box.replaceChildren();
  if (!points.length) return;
  $('chart-caption').textContent = (step.outputs.query || '') + ' ' + (r.spec.parameters['verify.op'] || '') + ' ' + bound;
  const values = points.filter((p) => Number.isFinite(p.v)).map((p) => p.v).concat(Number.isFinite(bound) ? [bound] : []);
  const lo = Math.min(0, ...values);
  const hi = Math.max(...values, lo + 1e-9) * 1.1;
  const t0 = Math.min(...points.map((p) => p.t), Date.parse(r.status.startedAt || points[0].t));
  const t1 = Math.max(...points.map((p) => p.t), t0 + 1000);
  const x = (t) => 50 + (t - t0) / (t1 - t0) * 830;
  const y = (v) => 200 - (v - lo) / (hi - lo) * 180;
  if (Number.isFinite(bound)) {
    svg(box, 'line', { x1: 50, x2: 880, y1: y(bound), y2: y(bound), class: 'bound' });
    svg(box, 'text', { x: 0, y: y(bound) + 4, class: 'axis' }, bound);
  }
  const drawn = points.filter((p) => Number.isFinite(p.v));
  if (drawn.length > 1) {
    svg(box, 'polyline', { points: drawn.map((p) => x(p.t) + ',' + y(p.v)).join(' '), class: 'signal' });
  }
  for (const p of points) {
    const dot = svg(box, 'circle', { cx: x(p.t), cy: Number.isFinite(p.v) ? y(p.v) : 200, r: 4, class: 'answer ' + p.kind });
    svg(dot, 'title', {}, new Date(p.t).toISOString() + ' ' + p.kind + (Number.isFinite(p.v) ? ' ' + p.v : ''));
  }
}

$('run-form').addEventListener('submit', async (e) => {
  e.preventDefault();
  const body = { target: { namespace: $('run-namespace').value.trim(), deployment: $('run-deployment').value.trim() }, reason: $('run-reason').value };
  if ($('run-rule').value.trim()) body.rule = $('run-rule').value.trim();
  if ($('run-scenario').value) body.scenario = $('run-scenario').value;
  if ($('run-dry').checked) body.dryRun = true;
  if ($('run-force').checked) {
    if (!confirm('Force the run past pauses, holds, limits and approval?')) return;
    body.force = true;
  }
  await act(async () => { const r = await api('POST', '/remediations', body); show(r.name); }, 'run started: ' + body.target.namespace + '/' + body.target.deployment);
});

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
