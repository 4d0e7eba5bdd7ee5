// The console's approval flow in a real browser, as an operator with their own Kubernetes token (not the admin
// token): the run awaiting approval is listed with its plan preview, is approved with a reason, and the page shows
// who approved it. Run by RealClusterIT against a replica on the real control plane (RECORD waits for approval).
import { chromium } from 'playwright-core';
import assert from 'node:assert/strict';

const base = process.env.BASE_URL;
const token = process.env.TOKEN;
const record = process.env.RECORD;
const who = process.env.WHO;

const browser = await chromium.launch({ executablePath: process.env.CHROMIUM || '/usr/bin/chromium', args: ['--no-sandbox'] });
try {
  const page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
  page.on('pageerror', (e) => { throw e; });
  await page.goto(base + '/console/');
  await page.fill('#token', token);
  await page.click('#login button[type=submit]');
  await page.waitForSelector('#status.ok');

  // Listed among the runs awaiting approval, with its preview; its page shows the exact patch it would send.
  const row = page.locator('#approvals tbody tr', { hasText: record });
  await row.waitFor();
  assert.match(await row.textContent(), /rule approve-first/);
  await row.locator('a', { hasText: record }).click();
  await page.locator('#preview tbody tr', { hasText: 'rollback-deployment' }).waitFor();
  assert.match(await page.textContent('#preview'), /would JSON-patch Deployment/);
  assert.match(await page.textContent('#detail-approval'), /waiting for approval until/);

  // Approve with a reason that looks like HTML: it is recorded and shown as text.
  page.once('dialog', (d) => d.accept('<b>canary</b> checked'));
  await row.locator('button', { hasText: 'Approve' }).click();
  await page.waitForFunction(() => /approved:/.test(document.getElementById('status').textContent));
  await page.locator('#approvals tbody tr', { hasText: record }).waitFor({ state: 'detached' });
  await page.locator('#remediations a', { hasText: record }).click();
  await page.waitForFunction((w) => document.getElementById('detail-approval').textContent.includes('approved by ' + w), who);
  const said = await page.textContent('#detail-approval');
  assert.match(said, /via console/);
  assert.match(said, /<b>canary<\/b> checked/, 'the reason is shown as typed');
  assert.equal(await page.locator('#detail-approval b').count(), 0, 'never as HTML');
  // The steps of the approved run, on a timeline.
  await page.waitForFunction(() => document.querySelectorAll('#timeline rect').length >= 3, null, { timeout: 60000 });
  // What changed about the target: its releases on an axis with the alert's start, the one the run undoes marked.
  await page.waitForFunction(() => document.querySelectorAll('#changes circle').length >= 2, null, { timeout: 30000 });
  assert.equal(await page.locator('#changes line.alert-start').count(), 1);
  assert.equal(await page.locator('#changes circle.undone').count(), 1, 'the change the run undoes');
  assert.match(await page.textContent('#changes-list'), /release Deployment /);

  // Deny another waiting run from the page: it ends denied, by this person.
  if (process.env.DENY_RECORD) {
    const other = page.locator('#approvals tbody tr', { hasText: process.env.DENY_RECORD });
    await other.waitFor();
    page.once('dialog', (d) => d.accept('not the release'));
    await other.locator('button', { hasText: 'Deny' }).click();
    await page.waitForFunction(() => /denied:/.test(document.getElementById('status').textContent));
    await other.waitFor({ state: 'detached' });
  }
  // Start a run by hand from the form, as a dry-run: the page opens it and shows what it would do.
  if (process.env.MANUAL_TARGET) {
    const [mns, mdep] = process.env.MANUAL_TARGET.split('/');
    await page.fill('#run-rule', 'high-error-rate');
    await page.fill('#run-namespace', mns);
    await page.fill('#run-deployment', mdep);
    await page.fill('#run-reason', 'what would it do, INC-7');
    await page.check('#run-dry');
    await page.click('#run-form button[type=submit]');
    await page.waitForFunction(() => /run started:/.test(document.getElementById('status').textContent));
    await page.waitForFunction(() => /started by hand by/.test(document.getElementById('detail-approval').textContent));
    assert.match(await page.textContent('#detail-title'), /manual-/);
  }
  console.log('console approval test: listed with its preview, approved as ' + who + ', shown as text, its change timeline drawn, denied, started by hand: OK');
} finally {
  await browser.close();
}
