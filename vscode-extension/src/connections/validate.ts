// Input checks of the Add Connection flow (no VS Code API: unit-tested). Names follow
// docs/protocol.md: 1–63 of [a-z0-9._-].
const NAME = /^[a-z0-9][a-z0-9._-]{0,62}$/;

export function validateConnectionName(name: string): string | undefined {
  return NAME.test(name) ? undefined : 'Use 1–63 characters of a-z, 0-9, ".", "_" or "-", starting with a letter or digit.';
}

export function validateUniverseId(text: string): string | undefined {
  return /^[0-9]+$/.test(text.trim()) ? undefined : 'The universe id is a number (your game\'s GameId, not the place id).';
}
