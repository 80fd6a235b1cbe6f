'use strict';
// node --test test/ : the extension's start-up decisions, without VS Code.
const test = require('node:test');
const assert = require('node:assert/strict');
const path = require('path');
const fs = require('fs');
const { resolveServerCommand, startFailure, expand } = require('../lib/serverCommand');

const folder = path.resolve('/work/project');
const existing = (...files) => (p) => files.includes(p);

test('kvlint.path wins, with ${workspaceFolder} expanded and the extra arguments after server', () => {
  const kvlint = path.join(folder, '.venv', 'bin', 'kvlint');
  const r = resolveServerCommand({
    kvlintPath: '${workspaceFolder}/.venv/bin/kvlint',
    interpreter: '/usr/bin/python3',
    args: ['--log-file', '/tmp/k.log'],
    folder,
    exists: existing(kvlint, '/usr/bin/python3'),
  });
  assert.deepEqual(r, {
    command: kvlint,
    args: ['server', '--log-file', '/tmp/k.log'],
    source: 'setting kvlint.path',
    skipped: [],
  });
});

test('a bare command name in kvlint.path is looked up on PATH, not checked as a file', () => {
  const r = resolveServerCommand({ kvlintPath: 'kvlint', folder, exists: existing() });
  assert.equal(r.command, 'kvlint');
  assert.equal(r.source, 'setting kvlint.path');
});

test('a kvlint.path that does not exist is passed over, and the reason kept', () => {
  const r = resolveServerCommand({ kvlintPath: '/nope/kvlint', folder, exists: existing() });
  assert.equal(r.source, 'kvlint on PATH');
  assert.deepEqual(r.skipped, [
    'kvlint.path /nope/kvlint: not found',
    `no .venv or venv in ${folder}`,
  ]);
});

test('kvlint.interpreter runs python -m kvlint server', () => {
  const r = resolveServerCommand({
    interpreter: '/opt/py/bin/python',
    selectedPython: '/other/python',
    folder,
    exists: existing('/opt/py/bin/python', '/other/python'),
  });
  assert.deepEqual([r.command, ...r.args], ['/opt/py/bin/python', '-m', 'kvlint', 'server']);
  assert.equal(r.source, 'setting kvlint.interpreter');
});

test("the Python extension's interpreter comes before a .venv in the folder", () => {
  const venv = path.join(folder, '.venv', 'bin', 'python');
  const r = resolveServerCommand({
    selectedPython: '/envs/app/bin/python',
    folder,
    exists: existing('/envs/app/bin/python', venv),
  });
  assert.equal(r.command, '/envs/app/bin/python');
  assert.equal(r.source, "the Python extension's interpreter");
});

test('the workspace .venv, then venv, with the Windows layout on win32', () => {
  const posix = path.join(folder, 'venv', 'bin', 'python');
  let r = resolveServerCommand({ folder, platform: 'linux', exists: existing(posix) });
  assert.deepEqual([r.command, ...r.args, r.source], [posix, '-m', 'kvlint', 'server', "the workspace's venv"]);
  const windows = path.join(folder, '.venv', 'Scripts', 'python.exe');
  r = resolveServerCommand({ folder, platform: 'win32', exists: existing(windows) });
  assert.equal(r.command, windows);
});

test('with nothing configured or found: kvlint on PATH', () => {
  const r = resolveServerCommand({ exists: existing() });
  assert.deepEqual([r.command, ...r.args, r.source], ['kvlint', 'server', 'kvlint on PATH']);
});

test('~ and relative paths with a folder are expanded', () => {
  assert.equal(expand('~/bin/kvlint', folder, '/home/me'), '/home/me/bin/kvlint');
  assert.equal(expand('tools/kvlint', folder), path.join(folder, 'tools', 'kvlint'));
  assert.equal(expand('  ', folder), '');
});

test('a start failure says in one line what ran and what to install', () => {
  const r = resolveServerCommand({ interpreter: '/p/python', exists: existing('/p/python') });
  const text = startFailure(r, new Error('No module named kvlint\nmore'));
  assert.equal(text.includes('\n'), false);
  assert.match(text, /\/p\/python -m kvlint server; from setting kvlint.interpreter\): No module named kvlint\./);
  assert.match(text, /\/p\/python -m pip install "kvlint-azure\[server\]"/);
});

test('no telemetry: no telemetry module, setting or endpoint anywhere in the extension', () => {
  const root = path.join(__dirname, '..');
  const manifest = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
  const deps = Object.keys({ ...manifest.dependencies, ...manifest.devDependencies });
  assert.deepEqual(deps, ['vscode-languageclient']);
  for (const file of ['extension.js', 'lib/serverCommand.js']) {
    const text = fs.readFileSync(path.join(root, file), 'utf8');
    assert.doesNotMatch(text, /extension-telemetry|applicationinsights|TelemetryReporter|https?:\/\//);
  }
  const settings = Object.keys(manifest.contributes.configuration.properties);
  assert.deepEqual(settings.sort(), ['kvlint.args', 'kvlint.debounceMs', 'kvlint.interpreter', 'kvlint.path', 'kvlint.trace.server']);
  const commands = manifest.contributes.commands.map((c) => c.command).sort();
  assert.deepEqual(commands, ['kvlint.restart', 'kvlint.showOutput', 'kvlint.showStatus']);
});
