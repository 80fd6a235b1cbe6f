'use strict';
// Which `kvlint server` to start: pure logic (no `vscode` import), tested with node's runner.
//
// Order: the `kvlint.path` setting; the `kvlint.interpreter` setting; the interpreter the
// Python extension selected for the folder; a `.venv` / `venv` in the folder; `kvlint` on PATH.
// Every candidate is checked (the file exists) before it is used, and the reason each earlier
// one was passed over is kept, so the status command can say why a server came from where.

const path = require('path');
const os = require('os');

const VENV_DIRS = ['.venv', 'venv'];

function expand(value, folder, home = os.homedir()) {
  let out = String(value || '').trim();
  if (!out) return '';
  if (folder) out = out.split('${workspaceFolder}').join(folder);
  if (out === '~' || out.startsWith('~/') || out.startsWith('~\\')) out = home + out.slice(1);
  if (folder && !path.isAbsolute(out) && /[\\/]/.test(out)) out = path.resolve(folder, out);
  return out;
}

function venvPython(dir, platform) {
  return platform === 'win32'
    ? path.join(dir, 'Scripts', 'python.exe')
    : path.join(dir, 'bin', 'python');
}

/**
 * @param {object} o
 * @param {string} [o.kvlintPath]   the kvlint.path setting
 * @param {string} [o.interpreter]  the kvlint.interpreter setting
 * @param {string[]} [o.args]       the kvlint.args setting
 * @param {string} [o.folder]       the workspace folder's file system path
 * @param {string} [o.selectedPython] the interpreter the Python extension selected
 * @param {string} [o.platform]     process.platform
 * @param {(p: string) => boolean} o.exists  whether a file exists
 * @returns {{command: string, args: string[], source: string, skipped: string[]}}
 */
function resolveServerCommand(o) {
  const platform = o.platform || process.platform;
  const extra = Array.isArray(o.args) ? o.args.map(String) : [];
  const skipped = [];
  const folder = o.folder || '';

  const kvlintPath = expand(o.kvlintPath, folder);
  if (kvlintPath) {
    if (!/[\\/]/.test(kvlintPath) || o.exists(kvlintPath)) {
      return { command: kvlintPath, args: ['server', ...extra], source: 'setting kvlint.path', skipped };
    }
    skipped.push(`kvlint.path ${kvlintPath}: not found`);
  }
  const interpreter = expand(o.interpreter, folder);
  if (interpreter) {
    if (o.exists(interpreter)) {
      return python(interpreter, extra, 'setting kvlint.interpreter', skipped);
    }
    skipped.push(`kvlint.interpreter ${interpreter}: not found`);
  }
  if (o.selectedPython) {
    if (o.exists(o.selectedPython)) {
      return python(o.selectedPython, extra, 'the Python extension\'s interpreter', skipped);
    }
    skipped.push(`the Python extension's interpreter ${o.selectedPython}: not found`);
  }
  if (folder) {
    for (const dir of VENV_DIRS) {
      const candidate = venvPython(path.join(folder, dir), platform);
      if (o.exists(candidate)) {
        return python(candidate, extra, `the workspace's ${dir}`, skipped);
      }
    }
    skipped.push(`no ${VENV_DIRS.join(' or ')} in ${folder}`);
  }
  return { command: 'kvlint', args: ['server', ...extra], source: 'kvlint on PATH', skipped };
}

function python(interpreter, extra, source, skipped) {
  return { command: interpreter, args: ['-m', 'kvlint', 'server', ...extra], source, skipped };
}

/** What to tell the user when the server could not start or stopped (one line). */
function startFailure(resolved, error) {
  const how = [resolved.command, ...resolved.args].join(' ');
  const text = String((error && (error.message || error)) || 'unknown error').split('\n')[0];
  const hint = resolved.args[0] === '-m'
    ? `install it there: ${resolved.command} -m pip install "kvlint-azure[server]"`
    : 'set kvlint.path or kvlint.interpreter, or install "kvlint-azure[server]" in the workspace\'s Python environment';
  return `kvlint server did not start (${how}; from ${resolved.source}): ${text}. ${hint}`;
}

module.exports = { resolveServerCommand, startFailure, expand, VENV_DIRS };
