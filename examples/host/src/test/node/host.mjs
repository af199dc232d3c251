// Opens the example host's invoice page in Debian's headless chromium (driven by playwright-core,
// which downloads no browser of its own), reports what it shows, screenshots the QR code, presses
// "Pay by card" and reports the page it lands on. One JSON line on stdout.
//
//   node host.mjs <page url> <qr.png> <due.png> <paid.png> <chromium executable>
//
// Nothing may leave the machine: every request to another origin than the page's is aborted and
// reported, and chromium runs with --disable-background-networking.
import { chromium } from 'playwright-core';

const [pageUrl, qrPng, duePng, paidPng, executablePath] = process.argv.slice(2);
if (!executablePath) {
  console.error('usage: node host.mjs <url> <qr.png> <due.png> <paid.png> <chromium>');
  process.exit(2);
}
const origin = new URL(pageUrl).origin;

const browser = await chromium.launch({
  executablePath,
  headless: true,
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
});
try {
  const context = await browser.newContext({ viewport: { width: 900, height: 1200 }, deviceScaleFactor: 1 });
  context.setDefaultTimeout(30_000);
  const requests = [];
  const blocked = [];
  await context.route('**/*', (route) => {
    const url = route.request().url();
    requests.push(route.request().method() + ' ' + url);
    if (new URL(url).origin === origin) return route.continue();
    blocked.push(url);
    return route.abort();
  });
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  const responses = [];
  page.on('response', (r) => responses.push(r.request().method() + ' ' + r.status() + ' ' + r.url()));

  const show = async () => {
    const qr = page.locator('#qr');
    const hasQr = (await qr.count()) > 0;
    return {
      url: page.url(),
      title: await page.title(),
      status: (await page.locator('#status').innerText()).trim(),
      totalText: (await page.locator('#total').innerText()).trim(),
      totalVisible: await page.locator('#total').isVisible(),
      descriptions: await page.locator('.description').allTextContents(),
      itemRows: await page.locator('tr.item').count(),
      hasQr,
      qrVisible: hasQr ? await qr.isVisible() : false,
      bolt11Text: (await page.locator('#bolt11').count()) > 0 ? (await page.locator('#bolt11').innerText()).trim() : null,
      payButtons: await page.locator('#pay-by-card').count(),
      payButtonVisible: (await page.locator('#pay-by-card').count()) > 0 ? await page.locator('#pay-by-card').isVisible() : false,
      reference: (await page.locator('#payment .mono').count()) > 0 ? (await page.locator('#payment .mono').innerText()).trim() : null,
    };
  };

  const response = await page.goto(pageUrl, { waitUntil: 'load' });
  const due = await show();
  due.httpStatus = response ? response.status() : null;
  if (due.hasQr) {
    await page.locator('#qr').screenshot({ path: qrPng });
  }
  await page.screenshot({ path: duePng, fullPage: true });

  let paid = null;
  if (due.payButtons > 0) {
    await page.locator('#pay-by-card').click();
    // the form posts, the host redirects back to the invoice: wait (30 s at most) for it to say paid
    await page.locator('#status.paid').waitFor({ state: 'visible' });
    await page.waitForLoadState('load');
    paid = await show();
    await page.screenshot({ path: paidPng, fullPage: true });
  }

  process.stdout.write(JSON.stringify({ due, paid, requests, responses, blocked, errors }) + '\n');
} finally {
  await browser.close();
}
