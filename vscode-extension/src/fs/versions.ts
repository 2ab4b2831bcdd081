// Remembers, per open entry, the version it was read at: the expectedVersion of its next save.
export class OpenedVersions {
  private readonly map = new Map<string, string | null>();

  get(uri: string): string | null | undefined {
    return this.map.get(uri);
  }

  has(uri: string): boolean {
    return this.map.has(uri);
  }

  set(uri: string, version: string | null): void {
    this.map.set(uri, version);
  }

  forget(uri: string): void {
    this.map.delete(uri);
  }
}
