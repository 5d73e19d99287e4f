/** Paging of the gateway's list calls: what a request asks for, and what its answer says. */
import { DEFAULT_PAGE_LIMIT } from "./defaults.js";

/** Paging of list calls. */
export interface PageOptions {
  limit?: number;
  offset?: number;
}

/** A page's position, with the offset of the next page (null on the last one). */
export interface Page {
  limit: number;
  offset: number;
  nextOffset: number | null;
}

/** The request's paging with the defaults filled in. */
export function pageOf(options: PageOptions): { limit: number; offset: number } {
  return { limit: options.limit ?? DEFAULT_PAGE_LIMIT, offset: options.offset ?? 0 };
}

/** The page of `limit` at `offset`, given that `fetched` rows came back for `limit + 1` asked. */
export function pageInfo(limit: number, offset: number, fetched: number): Page {
  return { limit, offset, nextOffset: fetched > limit ? offset + limit : null };
}
