/** A listing as one async iterator: page after page, following `next_cursor` until the server says there is no more. */
export async function* eachItem<Page extends { next_cursor: string | null }, Item>(
  page: (cursor: string | undefined) => Promise<Page>,
  items: (page: Page) => Item[],
): AsyncGenerator<Item, void, undefined> {
  let cursor: string | undefined;
  do {
    const current = await page(cursor);
    yield* items(current);
    cursor = current.next_cursor ?? undefined;
  } while (cursor);
}
