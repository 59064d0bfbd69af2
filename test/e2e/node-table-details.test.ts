/**
 * Node table details in Chromium against the real server: the name column stays put when the table scrolls
 * sideways, Shift-click selects a range, and the k9s-style keys move a highlight and open cordon / drain
 * for it, but not while typing in the search field.
 */
import { describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { adminConsoleSuite, until } from './setup.js';

// 1024 px: the table is wider than the screen, so it scrolls sideways.
const s = adminConsoleSuite('node-table-details', {
  nodes: 40,
  churn: true,
  viewport: { width: 1024, height: 768 },
});

/** The row shown at position i (0-based); DOM order is not display order in the virtual table. */
const rowAt = (i: number) => s.page.locator(`[data-testid="node-row"][aria-rowindex="${i + 2}"]`);
const x = async (sel: ReturnType<Page['locator']>) => (await sel.boundingBox())!.x;

describe('node table details', () => {
  it('keeps the name column in place when scrolling sideways; other columns move', async () => {
    const name = rowAt(0).locator('[data-testid="node-name"]');
    const header = s.page.locator('.knm-th[data-column="cluster"]');
    const [name0, cluster0] = [await x(name), await x(header)];
    await s.page.locator('.knm-vt').evaluate((el) => (el.scrollLeft = 500));
    await until('the table to scroll sideways', async () => (await x(header)) < cluster0 - 100);
    expect(Math.abs((await x(name)) - name0)).toBeLessThan(1);
    expect(
      Math.abs(
        (await x(s.page.locator('.knm-th[data-column="name"]'))) -
          (await x(rowAt(0).locator('.knm-td').nth(2))),
      ),
    ).toBeLessThan(1);
    await s.page.locator('.knm-vt').evaluate((el) => (el.scrollLeft = 0));
  });

  it('Shift-click selects every row between the last clicked one and this one', async () => {
    await rowAt(1).locator('[data-testid="node-select"]').click();
    await rowAt(4)
      .locator('[data-testid="node-select"]')
      .click({ modifiers: ['Shift'] });
    await until(
      'four rows selected',
      async () =>
        (await s.page.locator('[data-testid="selection-count"]').textContent())?.includes('4') ?? false,
    );
    for (const i of [1, 2, 3, 4]) expect(await rowAt(i).getAttribute('aria-selected')).toBe('true');
    expect(await rowAt(0).getAttribute('aria-selected')).toBe('false');
    await s.page.locator('[data-testid="selection-clear"]').click();
  });

  it('j/k move the highlight, c opens cordon and d the drain dialog for that node; typing is left alone', async () => {
    await s.page.locator('body').click({ position: { x: 5, y: 5 } });
    await s.page.keyboard.press('j');
    await s.page.keyboard.press('j');
    await s.page.keyboard.press('j');
    await s.page.keyboard.press('k');
    await until('the second row highlighted', async () =>
      ((await rowAt(1).getAttribute('class')) ?? '').includes('knm-row-highlight'),
    );
    const second = (await rowAt(1).getAttribute('data-node-name'))!;
    await s.page.keyboard.press('c');
    const cordon = s.page.locator('[data-testid="cordon-dialog"]');
    await cordon.waitFor();
    expect(await s.page.locator('.el-dialog', { hasText: second }).count()).toBeGreaterThan(0);
    // Once the dialog has opened, its first field has the cursor, so the user can type the reason at once.
    await until(
      'the reason field to have the cursor',
      async () =>
        (await s.page.evaluate(() => document.activeElement?.getAttribute('data-testid'))) ===
        'cordon-reason-input',
    );
    await s.page.keyboard.press('Escape');
    await until('the cordon dialog to close', async () => !(await cordon.isVisible()));
    await s.page.keyboard.press('d');
    await s.page.locator('[data-testid="drain-dialog"]').waitFor();
    await s.page.keyboard.press('Escape');
    await until(
      'the drain dialog to close',
      async () => !(await s.page.locator('[data-testid="drain-dialog"]').isVisible()),
    );

    await s.page.keyboard.press('/');
    expect(await s.page.evaluate(() => document.activeElement?.getAttribute('data-testid'))).toBe(
      'node-search',
    );
    await s.page.keyboard.type('jk');
    expect(await s.page.locator('input[data-testid="node-search"]').inputValue()).toBe('jk');
    expect(await s.page.locator('[data-testid="cordon-dialog"]').isVisible()).toBe(false);
  });
});
