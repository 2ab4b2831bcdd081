// Input checks of the Add Connection flow (no VS Code API: unit-tested). Names follow
// docs/protocol.md: 1–63 of [a-z0-9._-].
const NAME = /^[a-z0-9][a-z0-9._-]{0,62}$/;

export function validateConnectionName(name: string): string | undefined {
  return NAME.test(name) ? undefined : 'Use 1–63 characters of a-z, 0-9, ".", "_" or "-", starting with a letter or digit.';
}

export function validateUniverseId(text: string): string | undefined {
  return /^[0-9]+$/.test(text.trim()) ? undefined : 'The universe id is a number (your game\'s GameId, not the place id).';
}

/** An Open Cloud emulator's base URL: http(s), a host, no credentials (keys go to SecretStorage), no query. */
export function validateBaseUrl(text: string): string | undefined {
  let url: URL;
  try {
    url = new URL(text.trim());
  } catch {
    return 'Enter the URL `dsm emulator` printed, e.g. http://127.0.0.1:8787.';
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return 'Use an http:// or https:// URL, e.g. http://127.0.0.1:8787.';
  if (!url.hostname) return 'The URL needs a host, e.g. http://127.0.0.1:8787.';
  if (url.username || url.password) return 'Leave credentials out of the URL: the API key is asked next and kept in secret storage.';
  if (url.search || url.hash) return 'Leave out the query (?…) and fragment (#…): only the base URL is needed.';
  return undefined;
}

/** The base URL as written to `.datastore-manager.json` (trimmed, no trailing slash). */
export function normaliseBaseUrl(text: string): string {
  return text.trim().replace(/\/+$/, '');
}
