import { describe, expect, it } from 'vitest';
import type { Page } from '../../src/protocol';
import { PagedList } from '../../src/tree/paging';

function pages(...all: Array<Page<string>>): { fetch: (c: string | undefined) => Promise<Page<string>>; cursors: Array<string | undefined> } {
  const cursors: Array<string | undefined> = [];
  let i = 0;
  return { cursors, fetch: async (c) => { cursors.push(c); return all[i++]!; } };
}

describe('PagedList', () => {
  it('fetches the first page once, then follows the cursor', async () => {
    const p = pages({ items: ['a', 'b'], nextCursor: 'c1' }, { items: ['c'], nextCursor: null });
    const list = new PagedList(p.fetch);
    expect(list.started).toBe(false);
    expect(await list.ensureStarted()).toEqual(['a', 'b']);
    expect(await list.ensureStarted()).toEqual(['a', 'b']);
    expect(list.hasMore).toBe(true);
    await list.loadMore();
    expect(list.items).toEqual(['a', 'b', 'c']);
    expect(list.hasMore).toBe(false);
    await list.loadMore(); // at the end: no request
    expect(p.cursors).toEqual([undefined, 'c1']);
  });

  it('treats a short or empty page with a cursor as "more to come"', async () => {
    const p = pages({ items: [], nextCursor: 'x' }, { items: ['z'], nextCursor: null });
    const list = new PagedList(p.fetch);
    await list.ensureStarted();
    expect(list.items).toEqual([]);
    expect(list.hasMore).toBe(true);
    await list.loadMore();
    expect(list.items).toEqual(['z']);
  });

  it('shares one request between concurrent loadMore calls', async () => {
    const p = pages({ items: ['a'], nextCursor: 'n' }, { items: ['b'], nextCursor: null });
    const list = new PagedList(p.fetch);
    await Promise.all([list.loadMore(), list.loadMore()]);
    expect(list.items).toEqual(['a']);
    expect(p.cursors).toEqual([undefined]);
  });

  it('keeps what it had when a page fails, and can retry', async () => {
    let fail = true;
    const list = new PagedList<string>(async (c) => {
      if (c === 'n' && fail) { fail = false; throw new Error('rate limited'); }
      return c ? { items: ['b'], nextCursor: null } : { items: ['a'], nextCursor: 'n' };
    });
    await list.loadMore();
    await expect(list.loadMore()).rejects.toThrow('rate limited');
    expect(list.items).toEqual(['a']);
    await list.loadMore();
    expect(list.items).toEqual(['a', 'b']);
  });
});
