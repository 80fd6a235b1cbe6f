'use strict';
// The command the extension builds really starts kvlint server: an LSP handshake and the
// diagnostics of a file, over stdio, as VS Code's language client does it. Needs a Python
// with kvlint-azure[server]: KVLINT_TEST_PYTHON (the Python test suite passes its own).
const test = require('node:test');
const assert = require('node:assert/strict');
const { spawn } = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');
const { resolveServerCommand } = require('../lib/serverCommand');

const python = process.env.KVLINT_TEST_PYTHON;

function frame(message) {
  const body = Buffer.from(JSON.stringify({ jsonrpc: '2.0', ...message }), 'utf8');
  return Buffer.concat([Buffer.from(`Content-Length: ${body.length}\r\n\r\n`, 'ascii'), body]);
}

function reader(stream, onMessage) {
  let buffer = Buffer.alloc(0);
  stream.on('data', (chunk) => {
    buffer = Buffer.concat([buffer, chunk]);
    for (;;) {
      const end = buffer.indexOf('\r\n\r\n');
      if (end < 0) return;
      const length = Number(/Content-Length: (\d+)/i.exec(buffer.subarray(0, end).toString())[1]);
      if (buffer.length < end + 4 + length) return;
      onMessage(JSON.parse(buffer.subarray(end + 4, end + 4 + length).toString('utf8')));
      buffer = buffer.subarray(end + 4 + length);
    }
  });
}

test('the resolved command starts kvlint server, which answers initialize and lints a file', { skip: !python && 'KVLINT_TEST_PYTHON is not set', timeout: 120000 }, async () => {
  const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'kvlint-vscode-'));
  const file = path.join(folder, 'app.py');
  const text = 'from azure.identity import DefaultAzureCredential\nDefaultAzureCredential().get_token("https://vault.azure.net/")\n';
  fs.writeFileSync(file, text);
  const resolved = resolveServerCommand({ interpreter: python, folder, exists: fs.existsSync });
  assert.equal(resolved.source, 'setting kvlint.interpreter');
  const server = spawn(resolved.command, resolved.args, { cwd: folder, stdio: ['pipe', 'pipe', 'pipe'] });
  const waiting = new Map();
  reader(server.stdout, (message) => {
    const key = message.id !== undefined && !message.method ? `id:${message.id}` : message.method;
    const resolve = waiting.get(key);
    if (resolve) { waiting.delete(key); resolve(message); }
  });
  const next = (key) => new Promise((resolve) => waiting.set(key, resolve));
  try {
    const initialized = next('id:1');
    server.stdin.write(frame({
      id: 1,
      method: 'initialize',
      params: { processId: process.pid, rootUri: `file://${folder}`, capabilities: {}, initializationOptions: { debounceMs: 0 } },
    }));
    const answer = await initialized;
    assert.equal(answer.result.serverInfo.name, 'kvlint');
    server.stdin.write(frame({ method: 'initialized', params: {} }));
    const diagnostics = next('textDocument/publishDiagnostics');
    server.stdin.write(frame({
      method: 'textDocument/didOpen',
      params: { textDocument: { uri: `file://${file}`, languageId: 'python', version: 1, text } },
    }));
    const published = await diagnostics;
    assert.deepEqual(published.params.diagnostics.map((d) => [d.code, d.range.start.line]), [['KV101', 1]]);
    const shut = next('id:2');
    server.stdin.write(frame({ id: 2, method: 'shutdown' }));
    await shut;
    server.stdin.write(frame({ method: 'exit' }));
  } finally {
    server.kill();
    fs.rmSync(folder, { recursive: true, force: true });
  }
});
