// The one-line search input and how hits are shown (pure: no vscode import, unit-tested).
import type { SearchArguments, SearchHit } from '../protocol';

/** What the input box says about the syntax. */
export const SEARCH_SYNTAX =
  'Words, "path op value" clauses (op: < <= > >= = != ~) and store:NAME, all must match, e.g. '
  + 'Data.Coins < 0 store:PlayerData  ·  sword Data.Level >= 10  ·  Data.Inventory[].Id = "Bow_Short"';

export interface SearchInput {
  query: string; // words, each a prefix of a property name or value
  store?: string; // the last store:NAME (a glob)
  where: string[]; // 'path op value' clauses, as the server parses them
}

// At each position: store:NAME, else a clause (path, operator, value; the server names a
// clause missing its path or value), else a word. Values: a "quoted string" or a run of
// non-blanks; an unterminated quote runs to the end of the line.
const TOKEN = new RegExp(
  String.raw`(?<store>(?<![^\s])store:(?<storeName>"[^"]*"|\S+))`
  + String.raw`|(?<path>[^\s<>=!~"]*)[ \t]*(?<op><=|>=|!=|=|<|>|~)[ \t]*(?<value>"(?:[^"\\]|\\.)*"|"[^]*|[^\s"]+)?`
  + String.raw`|(?<word>"[^"]*"?|\S+)`,
  'g',
);

/** `Data.Coins < 0 store:PlayerData sword` → words, store and clauses. */
export function parseSearchInput(line: string): SearchInput {
  const words: string[] = [];
  const where: string[] = [];
  let store: string | undefined;
  for (const match of line.matchAll(TOKEN)) {
    const g = match.groups ?? {};
    if (g.store !== undefined) {
      store = unquote(g.storeName ?? '');
    } else if (g.op !== undefined) {
      where.push([g.path ?? '', g.op, g.value ?? ''].filter((part) => part !== '').join(' '));
    } else if (g.word !== undefined) {
      const word = unquote(g.word);
      if (word) words.push(word);
    }
  }
  return { query: words.join(' '), ...(store ? { store } : {}), where };
}

function unquote(text: string): string {
  return text.replace(/^"/, '').replace(/"$/, '').trim();
}

/** The command's arguments: only what the input gave (the schema refuses empty strings). */
export function searchArguments(connection: string, input: SearchInput, limit?: number): SearchArguments {
  return {
    connection,
    ...(input.query ? { query: input.query } : {}),
    ...(input.store ? { store: input.store } : {}),
    ...(input.where.length ? { where: input.where } : {}),
    ...(limit !== undefined ? { limit } : {}),
  };
}

export interface HitItem {
  label: string;
  description: string;
  detail?: string;
  uri: string;
}

/** A quick-pick item: the key, where it lives, and the matched values (else a preview). */
export function hitItem(hit: SearchHit): HitItem {
  const description = `${hit.store} / ${hit.scope}${hit.deleted ? ' (deleted since indexed)' : ''}`;
  const matched = (hit.matches ?? []).map((m) => `${m.path} = ${m.values.map(show).join(', ') || '(none)'}`);
  const detail = matched.length ? matched.join('  ·  ') : hit.preview;
  return { label: hit.key, description, ...(detail ? { detail } : {}), uri: hit.uri };
}

function show(value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value);
}

/** "3 matches of 640 entries" / "50+ matches of 640 entries". */
export function hitsTitle(count: number, truncated: boolean, total: number): string {
  const matches = `${count}${truncated ? '+' : ''} ${count === 1 && !truncated ? 'match' : 'matches'}`;
  return `${matches} of ${total.toLocaleString('en-US')} entries`;
}
