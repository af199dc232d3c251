// The tenant's page in Debian's headless chromium (playwright-core), connecting a wallet by
// scanning a code (NWC-08 walletauth). Mode "start" presses "Connect a wallet" and reports the
// request the page shows; mode "check" reports what the page says of the wallet. One JSON line on
// stdout; a screenshot in <out dir>.
//
//   node connect.mjs <start|check> <account page url> <out dir> <chromium executable>
//
// Nothing may leave the machine: every request to another origin than the page's is aborted.
import { openPage } from './browser.mjs';
import { withoutItsToken } from './tamper.mjs';

const [mode, pageUrl, outDir, executablePath] = process.argv.slice(2);
if (!executablePath) {
  console.error('usage: node connect.mjs <start|check> <url> <out dir> <chromium>');
  process.exit(2);
}
const origin = new URL(pageUrl).origin;
const { browser, page, blocked, errors } = await openPage(executablePath, [origin], { width: 900, height: 1300 });
try {
  await page.goto(pageUrl, { waitUntil: 'load' });
  const out = { blocked, errors };
  if (mode === 'start') {
    out.refused = [await withoutItsToken(page, pageUrl, 'connect-wallet')];
    out.requestAfterRefusal = (await page.goto(pageUrl, { waitUntil: 'load' }), await page.locator('#wallet-request').count());
    await Promise.all([page.waitForNavigation(), page.click('#connect-wallet-button')]);
    await page.waitForLoadState('load');
    out.request = await page.locator('#wallet-request-link').getAttribute('href');
    out.qrVisible = await page.locator('#wallet-request svg').isVisible();
    await page.screenshot({ path: `${outDir}/account-wallet-request.png`, fullPage: true });
  } else {
    out.refused = [await withoutItsToken(page, pageUrl, 'disconnect-wallet')];
    await page.goto(pageUrl, { waitUntil: 'load' });
    out.wallet = (await page.locator('#wallet-status').innerText()).trim();
    out.disconnectOffered = (await page.locator('#disconnect-wallet-button').count()) > 0;
    await page.screenshot({ path: `${outDir}/account-wallet.png`, fullPage: true });
  }
  process.stdout.write(JSON.stringify(out) + '\n');
} finally {
  await browser.close();
}
