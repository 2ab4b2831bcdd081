// Python version checks (no VS Code API: unit-tested).
export const MIN_PYTHON: readonly [number, number] = [3, 11];

/** "3.12.1" → [3, 12]; undefined when the text is not a version. */
export function parsePythonVersion(text: string): [number, number] | undefined {
  const m = /(\d+)\.(\d+)/.exec(text.trim());
  return m ? [Number(m[1]), Number(m[2])] : undefined;
}

export function isSupported(version: readonly [number, number] | undefined): boolean {
  if (!version) return false;
  return version[0] > MIN_PYTHON[0] || (version[0] === MIN_PYTHON[0] && version[1] >= MIN_PYTHON[1]);
}
