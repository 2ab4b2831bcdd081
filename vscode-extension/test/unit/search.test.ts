import { describe, expect, it } from 'vitest';
import type { SearchHit } from '../../src/protocol';
import { hitItem, hitsTitle, parseSearchInput, searchArguments } from '../../src/search/query';

describe('the one-line search input', () => {
  it('splits words, clauses and store:NAME', () => {
    expect(parseSearchInput('Data.Coins < 0 store:PlayerData')).toEqual({ query: '', store: 'PlayerData', where: ['Data.Coins < 0'] });
    expect(parseSearchInput('sword Data.Level >= 10 bow')).toEqual({ query: 'sword bow', where: ['Data.Level >= 10'] });
    expect(parseSearchInput('  ')).toEqual({ query: '', where: [] });
  });
  it('takes clauses with or without blanks around the operator, every operator', () => {
    expect(parseSearchInput('a<1 b<=2 c>3 d>=4 e=5 f!=6 g~x').where)
      .toEqual(['a < 1', 'b <= 2', 'c > 3', 'd >= 4', 'e = 5', 'f != 6', 'g ~ x']);
    expect(parseSearchInput('Data.Gems>=5').where).toEqual(['Data.Gems >= 5']);
  });
  it('keeps quoted values whole (blanks included) and JSON paths as written', () => {
    expect(parseSearchInput('Data.Name = "Ana Maria" store:"Player*"')).toEqual({ query: '', store: 'Player*', where: ['Data.Name = "Ana Maria"'] });
    expect(parseSearchInput('Data.Inventory[].Id = "Bow_Short" /Data/Level > 2').where)
      .toEqual(['Data.Inventory[].Id = "Bow_Short"', '/Data/Level > 2']);
    expect(parseSearchInput('Data.Title ~ "say \\"hi\\"" x').where).toEqual(['Data.Title ~ "say \\"hi\\""']);
  });
  it('passes incomplete clauses on as they are, so the server names them', () => {
    expect(parseSearchInput('gems <').where).toEqual(['gems <']);
    expect(parseSearchInput('< 5').where).toEqual(['< 5']);
    expect(parseSearchInput('Data.Name = "unterminated here').where).toEqual(['Data.Name = "unterminated here']);
  });
  it('only a leading store: is the store; the last one wins', () => {
    expect(parseSearchInput('mystore:x')).toEqual({ query: 'mystore:x', where: [] });
    expect(parseSearchInput('store:A store:B').store).toBe('B');
  });
  it('unquotes quoted words', () => {
    expect(parseSearchInput('"dragon egg"').query).toBe('dragon egg');
  });
});

describe('command arguments', () => {
  it('leave out what the input did not give', () => {
    expect(searchArguments('demo', parseSearchInput(''))).toEqual({ connection: 'demo' });
    expect(searchArguments('demo', parseSearchInput('sword Data.Level > 2 store:P*'), 100))
      .toEqual({ connection: 'demo', query: 'sword', store: 'P*', where: ['Data.Level > 2'], limit: 100 });
  });
});

describe('hits in the quick pick', () => {
  const hit = (over: Partial<SearchHit> = {}): SearchHit => ({
    uri: 'datastore://demo/PlayerData/global/P1.json', store: 'PlayerData', scope: 'global', key: 'P1', ...over,
  });
  it('show the matched values, masked ones as the server sent them', () => {
    const item = hitItem(hit({
      matches: [{ path: 'Data.Coins', values: ['••••••'] }, { path: 'Data.Inventory[].Id', values: ['Sword', 'Bow'] }],
      preview: '{"Data":{}}',
    }));
    expect(item).toEqual({
      label: 'P1', description: 'PlayerData / global', detail: 'Data.Coins = ••••••  ·  Data.Inventory[].Id = Sword, Bow',
      uri: 'datastore://demo/PlayerData/global/P1.json',
    });
    expect(hitItem(hit({ matches: [{ path: 'Data.Level', values: [3] }, { path: 'x', values: [] }] })).detail)
      .toBe('Data.Level = 3  ·  x = (none)');
  });
  it('show the preview without clauses, and say when an entry was deleted', () => {
    expect(hitItem(hit({ preview: '{"a":1}' })).detail).toBe('{"a":1}');
    const gone = hitItem(hit({ deleted: true }));
    expect(gone.description).toBe('PlayerData / global (deleted since indexed)');
    expect(gone.detail).toBeUndefined();
  });
  it('title the pick with the counts', () => {
    expect(hitsTitle(1, false, 640)).toBe('1 match of 640 entries');
    expect(hitsTitle(50, true, 12000)).toBe('50+ matches of 12,000 entries');
  });
});
