// Checks HTML editions in a real browser (Debian's chromium, headless):
//   - axe-core with the WCAG 2.0/2.1/2.2 A and AA rules: any violation fails;
//   - keyboard: the first Tab stop is the skip link, and it moves focus to <main>;
//   - reflow: at 320 CSS px wide the page does not scroll sideways
//     (wide tables scroll inside their own focusable region instead);
//   - screenshots at 320 and 1280 px wide, saved for review.
//
// Usage: node check.mjs SCREENSHOT_DIR FILE.html...
// Exit 0 when every page passes, 1 with a report otherwise, 2 when it cannot run.
// No network: the pages are file:// URLs and must fetch nothing (checked).

import { chromium } from 'playwright-core';
import { createRequire } from 'node:module';
import { readFileSync, mkdirSync } from 'node:fs';
import { basename, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const require = createRequire(import.meta.url);
const axeSource = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

const [shots, ...files] = process.argv.slice(2);
if (!shots || files.length === 0) {
  console.error('usage: node check.mjs SCREENSHOT_DIR FILE.html...');
  process.exit(2);
}
mkdirSync(shots, { recursive: true });

const executablePath = process.env.CHROMIUM || '/usr/bin/chromium';
const browser = await chromium.launch({
  executablePath,
  headless: true,
  args: [
    '--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
    '--disable-component-update', '--disable-sync', '--no-first-run',
  ],
});

const failures = [];
for (const file of files) {
  const name = basename(file, '.html');
  const url = pathToFileURL(resolve(file)).href;
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  const fetched = [];
  page.on('request', (r) => { if (r.url() !== url) fetched.push(r.url()); });
  await page.goto(url, { waitUntil: 'load' });
  if (fetched.length > 0) failures.push(`${name}: the page fetched ${fetched.join(', ')}`);
  if (await page.locator('script').count() > 0) failures.push(`${name}: the page has a script`);

  // axe-core, WCAG 2.2 A and AA (and the 2.0/2.1 rules they include).
  await page.addScriptTag({ content: axeSource });
  const results = await page.evaluate(async () => {
    // eslint-disable-next-line no-undef
    return await axe.run(document, {
      runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'] },
      resultTypes: ['violations'],
    });
  });
  for (const v of results.violations) {
    const where = v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(' | ');
    failures.push(`${name}: axe ${v.id} (${v.impact}): ${v.help} — ${v.nodes.length} node(s), e.g. ${where}`);
  }

  // Keyboard: the first Tab lands on the skip link, which leads to <main>.
  await page.keyboard.press('Tab');
  const first = await page.evaluate(() => {
    const a = document.activeElement;
    return a ? { tag: a.tagName, cls: a.className, href: a.getAttribute('href'), text: a.textContent } : null;
  });
  if (!first || first.cls !== 'skip' || first.href !== '#main') {
    failures.push(`${name}: the first Tab stop is ${JSON.stringify(first)}, not the skip link`);
  } else {
    await page.keyboard.press('Enter');
    const focused = await page.evaluate(() => document.activeElement && document.activeElement.id);
    if (focused !== 'main') failures.push(`${name}: the skip link moved focus to ${JSON.stringify(focused)}, not main`);
  }
  // Headings: one h1, no skipped levels, in document order.
  const levels = await page.evaluate(() => [...document.querySelectorAll('h1,h2,h3,h4,h5,h6')].map((h) => Number(h.tagName[1])));
  if (levels.filter((l) => l === 1).length !== 1 || levels[0] !== 1) failures.push(`${name}: expected exactly one h1, first; got levels ${levels.slice(0, 10)}`);
  for (let i = 1; i < levels.length; i++) {
    if (levels[i] > levels[i - 1] + 1) { failures.push(`${name}: heading level ${levels[i]} follows ${levels[i - 1]} (heading ${i + 1})`); break; }
  }
  await page.screenshot({ path: `${shots}/${name}-1280.png`, fullPage: true });

  // Reflow at 320 px: no sideways scrolling of the page.
  await page.setViewportSize({ width: 320, height: 640 });
  await page.evaluate(() => window.scrollTo(0, 0));
  const width = await page.evaluate(() => document.documentElement.scrollWidth);
  if (width > 320) {
    const culprits = await page.evaluate(() => [...document.querySelectorAll('body *')]
      .filter((e) => e.getBoundingClientRect().right > 321 && !e.closest('.table-wrap'))
      .slice(0, 5).map((e) => `${e.tagName.toLowerCase()}.${e.className}`));
    failures.push(`${name}: at 320 px the page is ${width} px wide (too wide: ${culprits.join(', ')})`);
  }
  // The key judgement on a phone: every cell of a stacked table (a rating, a
  // variance, a RAG) is on the screen at 320 px, with no sideways scrolling.
  const hidden = await page.evaluate(() => [...document.querySelectorAll('table.stack td')]
    .filter((e) => e.getBoundingClientRect().right > 321)
    .slice(0, 5).map((e) => `${e.dataset.label || e.className}: ${e.textContent.trim().slice(0, 30)}`));
  if (hidden.length > 0) {
    failures.push(`${name}: at 320 px these cells of a stacked table are off the screen: ${hidden.join('; ')}`);
  }
  const stacked = await page.evaluate(() => document.querySelectorAll('table.stack').length);
  await page.screenshot({ path: `${shots}/${name}-320.png`, fullPage: true });
  console.log(`checked ${name}: ${results.violations.length} axe violation(s), ${levels.length} headings, width at 320 px: ${width}, ${stacked} stacked table(s)`);
  await context.close();
}
await browser.close();

if (failures.length > 0) {
  console.error(failures.join('\n'));
  process.exit(1);
}
console.log(`all ${files.length} page(s) pass`);
