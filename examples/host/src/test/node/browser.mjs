// Debian's headless chromium for the host's browser tests (playwright-core downloads no browser):
// one page whose requests may reach only the given origins; every other request is aborted and
// reported in `blocked`, and page errors are collected in `errors`. Chromium runs with
// --disable-background-networking, so nothing leaves the machine.
import { chromium } from 'playwright-core';

export async function openPage(executablePath, origins, viewport = { width: 900, height: 1100 }) {
  const browser = await chromium.launch({
    executablePath,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
  const context = await browser.newContext({ viewport, deviceScaleFactor: 1 });
  context.setDefaultTimeout(30_000);
  const allowed = new Set(origins);
  const blocked = [];
  await context.route('**/*', (route) => {
    const url = route.request().url();
    if (allowed.has(new URL(url).origin)) return route.continue();
    blocked.push(url);
    return route.abort();
  });
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  return { browser, page, blocked, errors };
}
