// Saves a card from the tenant's page in Debian's headless chromium (playwright-core): the page's
// "Save a card" goes to Stripe's hosted page (the strict fake's, on 127.0.0.1), "Save card" there
// comes back to the page with the card saved, and "Remove card" removes it. One JSON line on
// stdout; screenshots in <out dir>.
//
//   node card.mjs <account page url> <stripe fake url> <out dir> <chromium executable>
//
// Only the page's origin and the fake's may be reached: anything else is aborted and reported.
import { openPage } from './browser.mjs';
import { withoutItsToken } from './tamper.mjs';

const [pageUrl, stripeUrl, outDir, executablePath] = process.argv.slice(2);
if (!executablePath) {
  console.error('usage: node card.mjs <url> <stripe url> <out dir> <chromium>');
  process.exit(2);
}
const allowed = new Set([new URL(pageUrl).origin, new URL(stripeUrl).origin]);
const { browser, page, blocked, errors } = await openPage(executablePath, [...allowed], { width: 900, height: 1100 });
try {
  page.on('requestfailed', (r) => console.error('failed: ' + r.method() + ' ' + r.url() + ' ' + (r.failure() && r.failure().errorText)));
  page.on('console', (m) => console.error('console: ' + m.text()));
  const responses = [];
  page.on('response', (r) => responses.push(r.request().method() + ' ' + r.status() + ' ' + new URL(r.url()).origin + new URL(r.url()).pathname));
  const cardStatus = async () => (await page.locator('#card-status').innerText()).trim();

  const refused = [await withoutItsToken(page, pageUrl, 'save-card')];
  await page.goto(pageUrl, { waitUntil: 'load' });
  const before = await cardStatus();

  await Promise.all([page.waitForNavigation(), page.click('#save-card-button')]);
  const checkoutOrigin = new URL(page.url()).origin;
  await page.screenshot({ path: `${outDir}/checkout.png`, fullPage: true });

  await Promise.all([page.waitForNavigation({ url: (u) => u.origin === new URL(pageUrl).origin }), page.click('button[type=submit]')]);
  await page.waitForLoadState('load');
  const afterUrl = page.url();
  const saved = await cardStatus();
  await page.screenshot({ path: `${outDir}/account-card.png`, fullPage: true });

  refused.push(await withoutItsToken(page, pageUrl, 'remove-card'));
  const stillSaved = (await page.goto(pageUrl, { waitUntil: 'load' }), await cardStatus());
  await Promise.all([page.waitForNavigation(), page.click('#remove-card-button')]);
  await page.waitForLoadState('load');
  const removed = await cardStatus();

  process.stdout.write(JSON.stringify({ refused, stillSaved, before, checkoutOrigin, afterUrl, saved, removed, responses, blocked, errors }) + '\n');
} finally {
  await browser.close();
}
