// The mooring command line as a user meets it: help everywhere, bad usage exits 2 and says where
// the options are, and failures say what to do next.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { commands, HELP } from './main.ts';

const MAIN = join(import.meta.dirname, 'main.ts');
const mooring = (...args: string[]) => {
  const r = spawnSync(process.execPath, [MAIN, ...args], { encoding: 'utf8', timeout: 60_000, env: { ...process.env, KUBECONFIG: '/nonexistent/kubeconfig' } });
  return { code: r.status, out: r.stdout, err: r.stderr };
};

describe('mooring --help', () => {
  it('lists every command', () => {
    for (const name of Object.keys(commands)) assert.match(HELP, new RegExp(`^ {2}${name} +\\S`, 'm'), name);
  });

  for (const name of Object.keys(commands)) {
    it(`${name} --help prints its usage and exits 0`, () => {
      const { code, out } = mooring(name, '--help');
      assert.equal(code, 0);
      assert.match(out, new RegExp(`^usage: mooring ${name}`));
    });
  }

  it('help <command> is the command\'s help; no command at all is bad usage', () => {
    assert.match(mooring('help', 'doctor').out, /^usage: mooring doctor/);
    const bare = mooring();
    assert.equal(bare.code, 2);
    assert.match(bare.out, /^usage: mooring <command>/);
  });
});

describe('bad usage exits 2 and says where the options are', () => {
  const cases: { reason: string; args: string[]; says: RegExp }[] = [
    { reason: 'an unknown command', args: ['deploy'], says: /unknown command 'deploy'[\s\S]*usage: mooring <command>/ },
    { reason: 'an unknown option', args: ['generate', '--bogus'], says: /mooring generate: Unknown option '--bogus'[\s\S]*Run `mooring generate --help`/ },
    { reason: 'a bad port', args: ['sandbox', '--kube-port', '0'], says: /--kube-port must be a port number[\s\S]*Run `mooring sandbox --help`/ },
    { reason: 'a kubeconfig that is not there', args: ['doctor', '--kubeconfig', '/nonexistent/kubeconfig'], says: /cannot read the kubeconfig \/nonexistent\/kubeconfig[\s\S]*Run `mooring doctor --help`/ },
    { reason: 'a bad operator setting', args: ['run', '--concurrency=0'], says: /--concurrency \(MOORING_CONCURRENCY\): expected a whole number[\s\S]*Run `mooring run --help`/ },
    { reason: 'a plan without a manifest', args: ['plan'], says: /mooring plan: name the manifest with -f FILE[\s\S]*Run `mooring plan --help`/ },
    { reason: 'a refresh of no mooring kind', args: ['refresh', 'pods/x'], says: /mooring refresh: name one resource as KIND\/NAME[\s\S]*Run `mooring refresh --help`/ },
    { reason: 'an operator kubeconfig that is not there', args: ['run', '--kubeconfig', '/nonexistent/kubeconfig'], says: /mooring run: cannot read the kubeconfig \/nonexistent\/kubeconfig[\s\S]*Run `mooring run --help`/ },
  ];
  for (const c of cases) {
    it(c.reason, () => {
      const { code, err } = mooring(...c.args);
      assert.equal(code, 2, err);
      assert.match(err, c.says);
    });
  }
});

describe('a refused provider plugin exits 3', () => {
  for (const command of ['run', 'doctor']) {
    it(`${command} --providers naming no plugin: its name and the fix, before any cluster is contacted`, () => {
      const { code, err } = mooring(command, '--providers', './no-such-plugin');
      assert.equal(code, 3, err);
      assert.match(err, new RegExp(`^mooring ${command}: provider plugin \\./no-such-plugin: .* does not exist; give the plugin's folder or entry file`));
    });
  }
});
