// Loads one invoice HTML file in Debian's headless chromium (driven by playwright-core, which
// downloads no browser of its own), reports what the page shows as one JSON line on stdout, and
// screenshots the QR code element (when there is one) and the whole page.
//
//   node render.mjs <invoice.html> <qr.png> <page.png> <chromium executable>
//
// Nothing may leave the machine: every request that is not the file itself is aborted and
// reported, and chromium runs with --disable-background-networking.
import { chromium } from 'playwright-core';
import { pathToFileURL } from 'node:url';

const [htmlPath, qrPng, pagePng, executablePath] = process.argv.slice(2);
if (!executablePath) {
  console.error('usage: node render.mjs <invoice.html> <qr.png> <page.png> <chromium>');
  process.exit(2);
}

const browser = await chromium.launch({
  executablePath,
  headless: true,
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
});
try {
  const context = await browser.newContext({ viewport: { width: 900, height: 1200 }, deviceScaleFactor: 1 });
  const pageUrl = pathToFileURL(htmlPath).href;
  const requests = [];
  const blocked = [];
  await context.route('**/*', (route) => {
    const url = route.request().url();
    requests.push(url);
    if (url === pageUrl) return route.continue();
    blocked.push(url);
    return route.abort();
  });
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));

  const response = await page.goto(pageUrl, { waitUntil: 'load' });
  const total = page.locator('#total');
  const qr = page.locator('#qr');
  const hasQr = (await qr.count()) > 0;
  if (hasQr) {
    await qr.screenshot({ path: qrPng });
  }
  await page.screenshot({ path: pagePng, fullPage: true });

  const result = {
    loaded: response !== null && response.ok(),
    title: await page.title(),
    invoiceVisible: await page.locator('#invoice').isVisible(),
    totalText: (await total.innerText()).trim(),
    totalVisible: await total.isVisible(),
    totalBox: await total.boundingBox(),
    status: (await page.locator('#status').innerText()).trim(),
    paymentLink: await page.locator('#payment-link').getAttribute('href'),
    hasQr,
    qrBox: hasQr ? await qr.boundingBox() : null,
    descriptions: await page.locator('.description').allTextContents(),
    seller: await page.locator('#seller').textContent(),
    // markup the page did not write itself would show up here
    foreignElements: await page.evaluate(() =>
      document.querySelectorAll('script, img, iframe, object, embed, form, [onerror], [onload], a[href^="javascript"]').length),
    pwned: await page.evaluate(() => window.__pwned ?? null),
    requests,
    blocked,
    errors,
  };
  process.stdout.write(JSON.stringify(result) + '\n');
} finally {
  await browser.close();
}
