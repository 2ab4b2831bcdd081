// Accumulates the pages of one listing: items so far, the next cursor, whether more exist.
import type { Page } from '../protocol';

export type Fetch<T> = (cursor: string | undefined) => Promise<Page<T>>;

export class PagedList<T> {
  private loaded: T[] = [];
  private cursor: string | null | undefined = undefined; // undefined: nothing fetched yet
  private pending: Promise<void> | undefined;

  constructor(private readonly fetch: Fetch<T>) {}

  get items(): readonly T[] {
    return this.loaded;
  }

  get started(): boolean {
    return this.cursor !== undefined;
  }

  /** More pages exist: the server gave a cursor (a short page is not the end). */
  get hasMore(): boolean {
    return this.cursor !== null;
  }

  /** Fetch the next page (no-op at the end; concurrent calls share one request). */
  loadMore(): Promise<void> {
    if (this.cursor === null) return Promise.resolve();
    this.pending ??= this.fetch(this.cursor ?? undefined)
      .then((page) => {
        this.loaded = this.loaded.concat(page.items);
        this.cursor = page.nextCursor;
      })
      .finally(() => { this.pending = undefined; });
    return this.pending;
  }

  /** First page on first use. */
  async ensureStarted(): Promise<readonly T[]> {
    if (!this.started) await this.loadMore();
    return this.loaded;
  }
}
