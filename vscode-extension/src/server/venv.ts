// Private virtual environment for users without a configured interpreter: created once under
// the extension's global storage from the wheel bundled in the .vsix (dependencies from PyPI).
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { findSystemPython, hasServerPackage, run } from './python';
import { MIN_PYTHON } from './pythonVersion';

export class PythonMissingError extends Error {}

function venvPython(dir: string): string {
  return process.platform === 'win32' ? path.join(dir, 'Scripts', 'python.exe') : path.join(dir, 'bin', 'python');
}

function bundledWheel(extensionPath: string): string | undefined {
  const dir = path.join(extensionPath, 'dist', 'wheels');
  if (!fs.existsSync(dir)) return undefined;
  const wheel = fs.readdirSync(dir).find((f) => f.endsWith('.whl'));
  return wheel ? path.join(dir, wheel) : undefined;
}

export async function ensurePrivateVenv(context: vscode.ExtensionContext, log: vscode.LogOutputChannel): Promise<string> {
  const dir = path.join(context.globalStorageUri.fsPath, 'venv');
  const python = venvPython(dir);
  if (fs.existsSync(python) && (await hasServerPackage(python))) return python;
  const system = await findSystemPython();
  if (!system) {
    throw new PythonMissingError(
      `DataStore Manager needs Python ${MIN_PYTHON.join('.')} or newer, and none was found. ` +
        'Install it (e.g. "sudo apt install python3.11" or python.org), or set "datastoreManager.pythonPath" ' +
        'to an interpreter that has datastore-manager installed.');
  }
  const wheel = bundledWheel(context.extensionPath);
  if (!wheel) throw new PythonMissingError('This build of the extension has no bundled server wheel; set "datastoreManager.pythonPath".');
  await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: 'DataStore Manager: setting up its Python environment' },
    async (progress) => {
      progress.report({ message: `creating a virtual environment with ${system}` });
      fs.mkdirSync(path.dirname(dir), { recursive: true });
      await run(system, ['-m', 'venv', dir], 120_000);
      progress.report({ message: 'installing the language server' });
      const { stdout } = await run(python, ['-m', 'pip', 'install', '--disable-pip-version-check', wheel], 600_000);
      log.info(stdout);
    });
  return python;
}
