/**
 * A dialog opened to be typed into starts with the cursor in its first field, so the keyboard user does not
 * have to tab through the header first. Called from the dialog's `opened` event: Element's focus trap has
 * placed focus on the dialog itself by then, and this moves it on.
 */
const FIELD = 'input:not([type="hidden"]):not([disabled]), textarea:not([disabled]), select:not([disabled])';

export function focusFirstField(root: Element | null | undefined): void {
  // Someone quick has already clicked into a field while the dialog was still opening: leave them there
  // (moving focus would also close a dropdown they just opened).
  const active = document.activeElement;
  if (root && active && active !== document.body && root.contains(active) && active.matches(FIELD)) return;
  const el = root?.querySelector<HTMLElement>(FIELD);
  el?.focus();
}

/**
 * For a dialog written inline in a page, without a ref to its body: the shown dialog on top (Element keeps
 * closed ones in the page, hidden).
 */
export function focusShownDialogField(): void {
  const shown = [...document.querySelectorAll<HTMLElement>('.el-overlay')].filter(
    (el) => el.style.display !== 'none',
  );
  focusFirstField(shown.at(-1)?.querySelector('.el-dialog__body'));
}
