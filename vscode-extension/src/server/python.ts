// Finds the Python interpreter that runs `dsm serve`: the setting, then the Python extension's
// active interpreter, then a private venv built from the bundled wheel (see venv.ts).
import { execFile } from 'node:child_process';
import * as vscode from 'vscode';
import { isSupported, parsePythonVersion } from './pythonVersion';

export { MIN_PYTHON } from './pythonVersion';

export function run(cmd: string, args: string[], timeoutMs = 60_000): Promise<{ stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    execFile(cmd, args, { timeout: timeoutMs, maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (err) reject(Object.assign(err, { stdout, stderr }));
      else resolve({ stdout, stderr });
    });
  });
}

export async function pythonVersion(python: string): Promise<[number, number] | undefined> {
  try {
    const { stdout } = await run(python, ['-c', 'import sys; print("%d.%d" % sys.version_info[:2])'], 15_000);
    return parsePythonVersion(stdout);
  } catch {
    return undefined;
  }
}

/** True when `python` can import the server package. */
export async function hasServerPackage(python: string): Promise<boolean> {
  try {
    await run(python, ['-c', 'import datastore_manager'], 30_000);
    return true;
  } catch {
    return false;
  }
}

/** The module to run with `-m`: `datastore_manager` when it has a __main__, else the CLI module. */
export async function serverModule(python: string): Promise<string> {
  try {
    const { stdout } = await run(python, ['-c',
      'import importlib.util as u; print("yes" if u.find_spec("datastore_manager.__main__") else "no")'], 30_000);
    return stdout.trim() === 'yes' ? 'datastore_manager' : 'datastore_manager.cli.main';
  } catch {
    return 'datastore_manager.cli.main';
  }
}

interface PythonExtensionApi {
  environments?: {
    getActiveEnvironmentPath(resource?: vscode.Uri): { path: string };
    resolveEnvironment(env: { path: string }): Promise<{ executable: { uri?: vscode.Uri } } | undefined>;
  };
}

/** The interpreter selected in the Python extension, if it is installed. */
export async function fromPythonExtension(): Promise<string | undefined> {
  const ext = vscode.extensions.getExtension<PythonExtensionApi>('ms-python.python');
  if (!ext) return undefined;
  try {
    const api = ext.isActive ? ext.exports : await ext.activate();
    const envs = api.environments;
    if (!envs) return undefined;
    const resolved = await envs.resolveEnvironment(envs.getActiveEnvironmentPath());
    return resolved?.executable.uri?.fsPath;
  } catch {
    return undefined;
  }
}

/** System interpreters to build the private venv with, newest first. */
export async function findSystemPython(): Promise<string | undefined> {
  for (const name of ['python3.13', 'python3.12', 'python3.11', 'python3', 'python']) {
    if (isSupported(await pythonVersion(name))) return name;
  }
  return undefined;
}
