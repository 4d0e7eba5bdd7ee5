// The operator console in a real browser: headless Chromium from Debian, driven by Playwright, against the
// running service (console-test/run.sh starts it). Pause, see the pause, resume, see a remediation's steps.
import { chromium } from 'playwright-core';
import assert from 'node:assert/strict';

const base = process.env.BASE_URL;
const admin = process.env.ADMIN_TOKEN;
const webhook = process.env.WEBHOOK_TOKEN;
const screenshot = process.env.SCREENSHOT;

const browser = await chromium.launch({ executablePath: process.env.CHROMIUM || '/usr/bin/chromium', args: ['--no-sandbox'] });
try {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  page.on('pageerror', (e) => { throw e; });
  await page.goto(base + '/console/');
  assert.equal(await page.isVisible('#app'), false, 'nothing is shown before a token is given');

  await page.fill('#token', 'not-the-token');
  await page.click('#login button[type=submit]');
  await page.waitForFunction(() => document.getElementById('status').textContent.length > 0);
  assert.match(await page.textContent('#status'), /invalid|token|Unauthorized|401/i, 'a wrong token is said so');

  await page.fill('#token', admin);
  await page.click('#login button[type=submit]');
  await page.waitForSelector('#status.ok');
  assert.match(await page.textContent('#status'), /connected/);
  assert.equal(await page.evaluate(() => localStorage.length), 0, 'the token is never in localStorage');

  // Pause a namespace, see it listed, resume it.
  await page.selectOption('#pause-scope', 'namespace');
  await page.fill('#pause-namespace', 'prod');
  await page.fill('#pause-duration', '1h');
  await page.fill('#pause-reason', 'release freeze INC-321');
  await page.click('#pause-form button[type=submit]');
  const row = page.locator('#pauses tbody tr', { hasText: 'release freeze INC-321' });
  await row.waitFor();
  assert.match(await row.textContent(), /prod/);
  const listed = await (await fetch(base + '/api/v1/pauses', { headers: { Authorization: 'Bearer ' + admin } })).json();
  assert.equal(listed.pauses.filter((p) => p.reason === 'release freeze INC-321').length, 1, 'the API has the pause the page made');

  // An alert arrives while paused: the console shows the remediation and why it was refused.
  const alert = {
    version: '4', status: 'firing', receiver: 'autonova', groupKey: '{}:{alertname="HighErrorRate"}',
    alerts: [{ status: 'firing', fingerprint: 'c0ffee0000000001', labels: { alertname: 'HighErrorRate', severity: 'critical', namespace: 'prod', service: 'demo' },
      annotations: { value: '0.4' }, startsAt: new Date(Date.now() - 300000).toISOString(), endsAt: '0001-01-01T00:00:00Z' }],
  };
  const post = (body) => fetch(base + '/api/v1/webhooks/alertmanager', { method: 'POST', headers: { Authorization: 'Bearer ' + webhook, 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
  const paused = await (await post(alert)).json();
  assert.equal(paused.results[0].reason, 'PAUSED');

  await row.locator('button', { hasText: 'Resume' }).click();
  await page.locator('#pauses tbody tr', { hasText: 'release freeze INC-321' }).waitFor({ state: 'detached' });

  // After the resume, a new firing acts (dry-run here: the steps it would take are recorded) and its steps show.
  alert.alerts[0].fingerprint = 'c0ffee0000000002';
  alert.alerts[0].labels.service = 'checkout';
  const acted = await (await post(alert)).json();
  assert.equal(acted.results[0].outcome, 'dry_run');
  const name = acted.results[0].remediation;
  await page.click('#status'); // any interaction; the list refreshes every 5 s or on the next action
  await page.reload();
  const link = page.locator('#remediations a', { hasText: name });
  await link.waitFor();
  await link.click();
  await page.locator('#steps tbody tr', { hasText: 'rollback-deployment' }).waitFor();
  assert.match(await page.textContent('#steps'), /resolve-target[\s\S]*plan-rollback[\s\S]*verify-rollout/);
  assert.match(await page.textContent('#detail-title'), new RegExp(name));
  if (screenshot) {
    await page.screenshot({ path: screenshot, fullPage: true });
  }
  console.log('console browser test: pause, see it, resume, see a remediation\'s steps: OK');
} finally {
  await browser.close();
}
