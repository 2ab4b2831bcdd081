// How URIs go to the server: VS Code's Uri.toString() percent-encodes the query's "=" ("?version%3D…"),
// which the server's URI parser (model/uris.py) does not decode, so the query is sent as it reads.
// The path keeps VS Code's encoding (names are escaped twice, docs/uri-scheme.md).
import * as vscode from 'vscode';

export function wireUri(uri: vscode.Uri): string {
  const base = uri.with({ query: '', fragment: '' }).toString();
  return uri.query ? `${base}?${uri.query}` : base;
}
