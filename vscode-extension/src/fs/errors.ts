// Maps the server's JSON-RPC errors (docs/protocol.md "Errors") to FileSystemErrors.
import * as vscode from 'vscode';
import { ResponseError } from 'vscode-languageclient/node';
import { ErrorCodes } from '../protocol';

export function errorCode(e: unknown): number | undefined {
  return e instanceof ResponseError ? e.code : undefined;
}

export function errorMessage(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

export function toFileSystemError(e: unknown, uri: vscode.Uri): Error {
  switch (errorCode(e)) {
    case ErrorCodes.NotFound: return vscode.FileSystemError.FileNotFound(uri);
    case ErrorCodes.PermissionDenied:
    case ErrorCodes.Unauthenticated:
    case ErrorCodes.SessionLocked: return vscode.FileSystemError.NoPermissions(errorMessage(e));
    case ErrorCodes.RateLimited:
    case ErrorCodes.Unavailable: return vscode.FileSystemError.Unavailable(errorMessage(e));
    default: return e instanceof Error ? e : new Error(String(e));
  }
}
