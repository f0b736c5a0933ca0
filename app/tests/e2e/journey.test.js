// A user's whole journey through the pages in a real browser: sign up, sign in, a pad and notes,
// sorting, editing, deleting. Screenshots of the main pages land in $SCREENSHOT_DIR.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { chromium } from 'playwright-core';

const base = process.env.NOTEJAM_URL;
const shots = process.env.SCREENSHOT_DIR;
assert.ok(base, 'NOTEJAM_URL must point at a running app (scripts/e2e.sh sets it)');
assert.ok(shots, 'SCREENSHOT_DIR must be set');

let browser;
before(async () => {
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
});
after(async () => { await browser?.close(); });

const flash = (page) => page.locator('div.alert').first().textContent();
const noteNames = (page) => page.locator('table.notes td.note a').allTextContents();

test('sign up, sign in, pads and notes, sort, edit, delete', async () => {
  const page = await browser.newPage({ viewport: { width: 1100, height: 800 } });
  const email = `e2e-${Date.now()}@example.com`;

  await page.goto(`${base}/`);
  assert.match(page.url(), /\/signin\/\?next=%2F$/, 'anonymous users are sent to sign in');

  await page.getByRole('link', { name: 'Sign up' }).first().click();
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password', { exact: true }).fill('password123');
  await page.getByLabel('Confirm password').fill('password124');
  await page.getByRole('button', { name: 'Sign up' }).click();
  assert.equal(await page.locator('ul.errorlist[data-field="repeat_password"] li').textContent(), 'Your passwords do not match');
  await page.screenshot({ path: `${shots}/signup-errors.png`, fullPage: true });
  await page.getByLabel('Password', { exact: true }).fill('password123');
  await page.getByLabel('Confirm password').fill('password123');
  await page.getByRole('button', { name: 'Sign up' }).click();
  assert.equal(await flash(page), 'Account is created. Now you can sign in.');

  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill('password123');
  await page.screenshot({ path: `${shots}/signin.png`, fullPage: true });
  await page.getByRole('button', { name: 'Sign in' }).click();
  assert.equal(await flash(page), 'You are signed in!');
  assert.equal(await page.title(), 'All notes (0) · notejam');

  await page.getByRole('link', { name: 'New pad' }).click();
  await page.getByLabel('Name').fill('Groceries');
  await page.getByRole('button', { name: 'Save' }).click();
  assert.equal(await flash(page), 'Pad is successfully created');
  await page.getByRole('navigation', { name: 'My pads' }).getByRole('link', { name: 'Groceries' }).click();
  assert.equal(await page.locator('h1 span').textContent(), 'Groceries (0)');

  for (const [name, text] of [['Bread', 'rye'], ['apples', 'six'], ['Cheese', 'old gouda']]) {
    await page.getByRole('link', { name: 'New note' }).click();
    await page.getByLabel('Name').fill(name);
    await page.getByLabel('Note').fill(text);
    assert.equal(await page.getByLabel('Pad', { exact: true }).inputValue() !== '0', true, 'the pad is pre-selected');
    await page.getByRole('button', { name: 'Save' }).click();
    assert.equal(await flash(page), 'Note is successfully created');
  }
  assert.equal(await page.locator('h1 span').textContent(), 'Groceries (3)');
  assert.deepEqual(await noteNames(page), ['Cheese', 'apples', 'Bread'], 'newest first by default');
  await page.getByRole('link', { name: 'Sort by name, A to Z' }).click();
  assert.deepEqual(await noteNames(page), ['apples', 'Bread', 'Cheese']);
  await page.getByRole('link', { name: 'Sort by name, Z to A' }).click();
  assert.deepEqual(await noteNames(page), ['Cheese', 'Bread', 'apples']);
  await page.screenshot({ path: `${shots}/pad.png`, fullPage: true });

  await page.getByRole('link', { name: 'Bread' }).click();
  assert.match(await page.locator('p.hidden-text').textContent(), /^Last edited at Today at \d\d:\d\d/);
  await page.screenshot({ path: `${shots}/note.png`, fullPage: true });
  await page.getByRole('link', { name: 'Edit' }).click();
  await page.getByLabel('Name').fill('Sourdough bread');
  await page.getByRole('button', { name: 'Save' }).click();
  assert.equal(await flash(page), 'Note is successfully updated');
  assert.ok((await noteNames(page)).includes('Sourdough bread'));

  await page.getByRole('link', { name: 'apples' }).click();
  await page.getByRole('link', { name: 'Delete it' }).click();
  assert.match(await page.locator('main').textContent(), /Are you sure you want to delete apples\?/);
  await page.getByRole('button', { name: /delete this note/ }).click();
  assert.equal(await flash(page), 'Note is successfully deleted');
  assert.equal(await page.locator('h1 span').textContent(), 'Groceries (2)');

  await page.getByRole('link', { name: 'logo' }).or(page.locator('a.logo')).first().click();
  assert.equal(await page.locator('h1 span').textContent(), 'All notes (2)');
  assert.deepEqual(await page.locator('table.notes td.pad a').allTextContents(), ['Groceries', 'Groceries']);
  await page.screenshot({ path: `${shots}/all-notes.png`, fullPage: true });

  // The same page at phone width: nothing overflows sideways.
  await page.setViewportSize({ width: 375, height: 740 });
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 0, `no horizontal scrolling at phone width (overflow ${overflow}px)`);
  await page.screenshot({ path: `${shots}/all-notes-phone.png`, fullPage: true });
  await page.setViewportSize({ width: 1100, height: 800 });

  await page.getByRole('navigation', { name: 'My pads' }).getByRole('link', { name: 'Groceries' }).click();
  await page.getByRole('link', { name: 'Pad settings' }).click();
  await page.getByRole('link', { name: 'Delete pad' }).click();
  await page.getByRole('button', { name: /delete this pad/ }).click();
  assert.equal(await flash(page), 'Pad is successfully deleted');
  assert.equal(await page.locator('h1 span').textContent(), 'All notes (0)');
  assert.equal(await page.locator('p.empty').first().textContent(), 'No pads yet');

  await page.getByRole('link', { name: 'Sign out' }).click();
  assert.match(page.url(), /\/signin\/$/);
  await page.close();
});

test('every input of every form has a label', async () => {
  const page = await browser.newPage();
  for (const path of ['/signup/', '/signin/', '/forgot-password/']) {
    await page.goto(`${base}${path}`);
    const unlabelled = await page.evaluate(() =>
      [...document.querySelectorAll('input:not([type=hidden]):not([type=submit]), textarea, select')]
        .filter((el) => !(el.labels && el.labels.length)).map((el) => el.name));
    assert.deepEqual(unlabelled, [], `${path} has inputs without labels`);
  }
  await page.close();
});
