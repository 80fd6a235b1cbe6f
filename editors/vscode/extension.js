'use strict';
// kvlint for VS Code: starts `kvlint server` (LSP over stdio) from the workspace's Python
// environment or a configured path, shows its state in the status bar, and restarts it on
// request or when a kvlint setting changes. No telemetry: nothing is collected or sent.

const fs = require('fs');
const vscode = require('vscode');
const { LanguageClient, State } = require('vscode-languageclient/node');
const { resolveServerCommand, startFailure } = require('./lib/serverCommand');

const LANGUAGES = ['python', 'yaml', 'json', 'jsonc', 'toml', 'dotenv'];

let client;
let resolved;
let output;
let statusItem;
let lastError = '';

function folder() {
  const folders = vscode.workspace.workspaceFolders || [];
  return folders.length ? folders[0] : undefined;
}

async function selectedPython(workspaceFolder) {
  // The Python extension's public API (ms-python.python), when it is installed.
  const extension = vscode.extensions.getExtension('ms-python.python');
  if (!extension) return undefined;
  try {
    const api = extension.isActive ? extension.exports : await extension.activate();
    const environments = api && api.environments;
    if (!environments) return undefined;
    const active = environments.getActiveEnvironmentPath(workspaceFolder && workspaceFolder.uri);
    const environment = active && (await environments.resolveEnvironment(active));
    const executable = environment && environment.executable && environment.executable.uri;
    return (executable && executable.fsPath) || (active && active.path) || undefined;
  } catch (error) {
    output.appendLine(`kvlint: could not ask the Python extension for its interpreter: ${error}`);
    return undefined;
  }
}

function showState(text, tooltip, error) {
  statusItem.text = text;
  statusItem.tooltip = tooltip;
  statusItem.backgroundColor = error
    ? new vscode.ThemeColor('statusBarItem.errorBackground')
    : undefined;
  statusItem.show();
}

async function start() {
  const workspaceFolder = folder();
  const config = vscode.workspace.getConfiguration('kvlint', workspaceFolder && workspaceFolder.uri);
  resolved = resolveServerCommand({
    kvlintPath: config.get('path'),
    interpreter: config.get('interpreter'),
    args: config.get('args'),
    folder: workspaceFolder && workspaceFolder.uri.fsPath,
    selectedPython: await selectedPython(workspaceFolder),
    platform: process.platform,
    exists: (p) => fs.existsSync(p),
  });
  for (const reason of resolved.skipped) output.appendLine(`kvlint: passed over ${reason}`);
  output.appendLine(
    `kvlint: starting ${[resolved.command, ...resolved.args].join(' ')} (from ${resolved.source})`,
  );
  const serverOptions = {
    command: resolved.command,
    args: resolved.args,
    options: { cwd: workspaceFolder ? workspaceFolder.uri.fsPath : undefined },
  };
  const clientOptions = {
    documentSelector: LANGUAGES.flatMap((language) => [
      { scheme: 'file', language },
      { scheme: 'untitled', language },
    ]),
    initializationOptions: { debounceMs: config.get('debounceMs', 150) },
    outputChannel: output,
    traceOutputChannel: output,
  };
  client = new LanguageClient('kvlint', 'kvlint', serverOptions, clientOptions);
  client.onDidChangeState((event) => {
    if (event.newState === State.Running) {
      lastError = '';
      showState('$(check) kvlint', `kvlint server running (${resolved.source})`, false);
    } else if (event.newState === State.Stopped) {
      showState('$(error) kvlint', lastError || 'kvlint server stopped', true);
    } else {
      showState('$(sync~spin) kvlint', 'kvlint server starting', false);
    }
  });
  showState('$(sync~spin) kvlint', 'kvlint server starting', false);
  try {
    await client.start();
  } catch (error) {
    lastError = startFailure(resolved, error);
    output.appendLine(lastError);
    showState('$(error) kvlint', lastError, true);
    vscode.window.showErrorMessage(lastError, 'Show Log').then((choice) => {
      if (choice === 'Show Log') output.show();
    });
  }
}

async function stop() {
  if (!client) return;
  const running = client;
  client = undefined;
  try {
    await running.stop();
  } catch (error) {
    output.appendLine(`kvlint: stopping the server: ${error}`);
  }
}

async function restart() {
  await stop();
  await start();
}

async function showStatus() {
  const state = client ? State[client.state] : 'not started';
  const how = resolved ? `${[resolved.command, ...resolved.args].join(' ')} (from ${resolved.source})` : '';
  const message = `kvlint server: ${state}. ${how}${lastError ? ` ${lastError}` : ''}`;
  const choice = await vscode.window.showInformationMessage(message, 'Restart', 'Show Log');
  if (choice === 'Restart') await restart();
  if (choice === 'Show Log') output.show();
}

async function activate(context) {
  output = vscode.window.createOutputChannel('kvlint');
  statusItem = vscode.window.createStatusBarItem(vscode.StatusBarAlignment.Right, 100);
  statusItem.command = 'kvlint.showStatus';
  context.subscriptions.push(
    output,
    statusItem,
    vscode.commands.registerCommand('kvlint.restart', restart),
    vscode.commands.registerCommand('kvlint.showStatus', showStatus),
    vscode.commands.registerCommand('kvlint.showOutput', () => output.show()),
    vscode.workspace.onDidChangeConfiguration((event) => {
      if (event.affectsConfiguration('kvlint')) restart();
    }),
  );
  await start();
}

function deactivate() {
  return stop();
}

module.exports = { activate, deactivate };
