// Submits one of the tenant page's forms with its link token replaced, as a forged or replayed
// form would carry: the answer must be the page's 404, and nothing may change. Returns the status
// of the form's POST and the heading of the page it lands on.
export async function withoutItsToken(page, pageUrl, formId, fill = {}) {
  await page.goto(pageUrl, { waitUntil: 'load' });
  await page.evaluate((id) => {
    document.querySelector(`#${id} input[name=token]`).value = 'AAAAAAAAAAAAAAAAAAAAAA';
  }, formId);
  for (const [selector, value] of Object.entries(fill)) await page.fill(selector, value);
  const [response] = await Promise.all([
    page.waitForResponse((r) => r.request().method() === 'POST'),
    page.click(`#${formId}-button`),
  ]);
  await page.waitForLoadState('load');
  return { form: formId, status: response.status(), heading: (await page.locator('h1').innerText()).trim() };
}
