// Starts `dsm serve` with vscode-languageclient and is the one place requests go through.
import * as vscode from 'vscode';
import {
  DidChangeConfigurationNotification, LanguageClient, LanguageClientOptions, ResponseError, RevealOutputChannelOn,
  ServerOptions, State,
} from 'vscode-languageclient/node';
import { ErrorCodes, type ServerSettings, type StatusParams } from '../protocol';
import { fromPythonExtension, hasServerPackage, serverModule } from './python';
import { ensurePrivateVenv, PythonMissingError } from './venv';

export type SettingsProvider = () => Promise<ServerSettings>;

export class Server implements vscode.Disposable {
  private client: LanguageClient | undefined;
  /** Interpreter and module of the running server, for one-off CLI calls (the demo). */
  resolved: { python: string; module: string } | undefined;
  private starting: Promise<LanguageClient> | undefined;
  private readonly stateEmitter = new vscode.EventEmitter<'running' | 'stopped' | 'failed'>();
  readonly onDidChangeState = this.stateEmitter.event;
  private readonly healthEmitter = new vscode.EventEmitter<'ok' | 'rateLimited' | 'offline'>();
  /** What the last request said about the backend (drives the status bar warning). */
  readonly onDidReportHealth = this.healthEmitter.event;
  private readonly statusEmitter = new vscode.EventEmitter<StatusParams>();
  /** The server's dataStore/status notifications (budget use, rate-limited, offline). */
  readonly onDidReportStatus = this.statusEmitter.event;

  constructor(
    private readonly context: vscode.ExtensionContext,
    readonly log: vscode.LogOutputChannel,
    private readonly settings: SettingsProvider,
  ) {}

  /** The running client, starting the server on first use. */
  ready(): Promise<LanguageClient> {
    if (this.client?.state === State.Running) return Promise.resolve(this.client);
    this.starting ??= this.start().finally(() => { this.starting = undefined; });
    return this.starting;
  }

  async request<R>(method: string, params: unknown): Promise<R> {
    const client = await this.ready();
    try {
      const result = await client.sendRequest<R>(method, params);
      this.healthEmitter.fire('ok');
      return result;
    } catch (e) {
      if (e instanceof ResponseError && e.code === ErrorCodes.RateLimited) this.healthEmitter.fire('rateLimited');
      if (e instanceof ResponseError && e.code === ErrorCodes.Unavailable) this.healthEmitter.fire('offline');
      throw e;
    }
  }

  async command<R>(command: string, arg: unknown): Promise<R> {
    return this.request<R>('workspace/executeCommand', { command, arguments: [arg] });
  }

  /** Push the settings section (connections, API keys, schemas) to the running server. */
  async pushSettings(): Promise<void> {
    if (this.client?.state !== State.Running) return;
    await this.client.sendNotification(DidChangeConfigurationNotification.type,
      { settings: { dataStoreManager: await this.settings() } });
  }

  async restart(): Promise<void> {
    await this.stop();
    await this.ready();
  }

  async stop(): Promise<void> {
    const c = this.client;
    this.client = undefined;
    if (c) await c.stop().catch((e: unknown) => this.log.warn(`stopping the server: ${String(e)}`));
    this.stateEmitter.fire('stopped');
  }

  private async interpreter(): Promise<string> {
    const configured = vscode.workspace.getConfiguration('datastoreManager').get<string>('pythonPath')?.trim();
    if (configured) return configured;
    const fromExt = await fromPythonExtension();
    if (fromExt && (await hasServerPackage(fromExt))) return fromExt;
    return ensurePrivateVenv(this.context, this.log);
  }

  private async start(): Promise<LanguageClient> {
    let python: string;
    try {
      python = await this.interpreter();
    } catch (e) {
      this.stateEmitter.fire('failed');
      const message = e instanceof PythonMissingError ? e.message : `Could not prepare Python: ${String(e)}`;
      this.log.error(message);
      void vscode.window.showErrorMessage(message, 'Open Settings').then((pick) => {
        if (pick) void vscode.commands.executeCommand('workbench.action.openSettings', 'datastoreManager.pythonPath');
      });
      throw e;
    }
    const module = await serverModule(python);
    this.resolved = { python, module };
    this.log.info(`starting ${python} -m ${module} serve`);
    // No `transport`: with TransportKind.stdio the client would append a --stdio argument.
    const run = { command: python, args: ['-m', module, 'serve'] };
    const serverOptions: ServerOptions = { run, debug: run };
    const clientOptions: LanguageClientOptions = {
      documentSelector: [
        { scheme: 'datastore', language: 'json' },
        { scheme: 'file', pattern: '**/*.schema.json' },
      ],
      // The API keys are sent here; the client id "dsm" has no trace setting, so
      // vscode-languageclient never writes these messages into the log.
      initializationOptions: await this.settings(),
      outputChannel: this.log,
      revealOutputChannelOn: RevealOutputChannelOn.Never,
      synchronize: { fileEvents: vscode.workspace.createFileSystemWatcher('**/.datastore-manager.json') },
    };
    const client = new LanguageClient('dsm', 'DataStore Manager', serverOptions, clientOptions);
    client.onDidChangeState((e) => {
      if (e.newState === State.Stopped) this.stateEmitter.fire('stopped');
    });
    await client.start();
    client.onNotification('dataStore/status', (params: StatusParams) => this.statusEmitter.fire(params));
    this.client = client;
    this.stateEmitter.fire('running');
    this.log.info('server running');
    return client;
  }

  dispose(): void {
    void this.stop();
    this.stateEmitter.dispose();
    this.healthEmitter.dispose();
    this.statusEmitter.dispose();
  }
}
