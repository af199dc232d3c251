// Drives the tenant's own page (issue 24) in Debian's headless chromium (playwright-core): at
// 320 px wide and at 900 px, by keyboard, with its forms tampered with, then pasting a wallet
// connection and disconnecting it. One JSON line on stdout; screenshots in <out dir>.
//
//   node account.mjs <account page url> <wallet uri> <out dir> <chromium executable>
//
// Nothing may leave the machine: every request to another origin than the page's is aborted and
// reported, and chromium runs with --disable-background-networking.
import { openPage } from './browser.mjs';

const [pageUrl, walletUri, outDir, executablePath] = process.argv.slice(2);
if (!executablePath) {
  console.error('usage: node account.mjs <url> <wallet uri> <out dir> <chromium>');
  process.exit(2);
}
const origin = new URL(pageUrl).origin;
const { browser, page, blocked, errors } = await openPage(executablePath, [origin], { width: 320, height: 900 });
try {
  const responses = [];
  page.on('response', (r) => responses.push(r.request().method() + ' ' + r.status() + ' ' + new URL(r.url()).pathname));

  const show = async () => ({
    url: page.url(),
    title: await page.title(),
    wallet: (await page.locator('#wallet-status').count()) ? (await page.locator('#wallet-status').innerText()).trim() : null,
    standing: (await page.locator('#standing').count()) ? (await page.locator('#standing').innerText()).trim() : null,
    invoiceRows: await page.locator('tr.invoice-row').count(),
    heading: (await page.locator('h1').first().innerText()).trim(),
    buttons: await page.locator('button').allTextContents(),
  });

  // 1. At 320 px: everything fits, nothing scrolls sideways.
  let response = await page.goto(pageUrl, { waitUntil: 'load' });
  const narrow = await show();
  narrow.httpStatus = response.status();
  narrow.scrollWidth = await page.evaluate(() => document.documentElement.scrollWidth);
  await page.screenshot({ path: `${outDir}/account-320.png`, fullPage: true });

  // 2. By keyboard: Tab reaches every link, field and button, in reading order.
  const focusable = await page.evaluate(() =>
    [...document.querySelectorAll('a[href], input:not([type=hidden]), button')].map((e) => e.id || e.textContent.trim()));
  const reached = [];
  for (let i = 0; i < focusable.length + 2; i++) {
    await page.keyboard.press('Tab');
    reached.push(await page.evaluate(() => document.activeElement && (document.activeElement.id || document.activeElement.textContent.trim())));
  }

  // 3. Tampered forms: another link token is a 404, another CSRF token a 403; nothing changes.
  await page.evaluate(() => { document.querySelector('#paste-wallet input[name=token]').value = 'AAAAAAAAAAAAAAAAAAAAAA'; });
  await page.fill('#nwc-uri', walletUri);
  await Promise.all([page.waitForNavigation(), page.click('#paste-wallet-button')]);
  const wrongToken = { heading: (await page.locator('h1').innerText()).trim() };
  await page.goto(pageUrl, { waitUntil: 'load' });
  await page.evaluate(() => { document.querySelector('#paste-wallet input[name=csrf]').value = 'B'.repeat(43); });
  await page.fill('#nwc-uri', walletUri);
  await Promise.all([page.waitForNavigation(), page.click('#paste-wallet-button')]);
  const wrongCsrf = { heading: (await page.locator('h1').innerText()).trim() };

  // 4. Pasting the connection, then disconnecting it, at 900 px.
  await page.setViewportSize({ width: 900, height: 1100 });
  await page.goto(pageUrl, { waitUntil: 'load' });
  await page.fill('#nwc-uri', walletUri);
  await Promise.all([page.waitForNavigation(), page.click('#paste-wallet-button')]);
  await page.waitForLoadState('load');
  const connected = await show();
  await page.screenshot({ path: `${outDir}/account.png`, fullPage: true });
  await Promise.all([page.waitForNavigation(), page.click('#disconnect-wallet-button')]);
  await page.waitForLoadState('load');
  const disconnected = await show();

  process.stdout.write(JSON.stringify({ narrow, focusable, reached, wrongToken, wrongCsrf, connected, disconnected, responses, blocked, errors }) + '\n');
} finally {
  await browser.close();
}
