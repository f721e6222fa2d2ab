import { describe, expect, it } from 'vitest';
import { EnvironmentSetupError } from './errors.js';
import { chooseInterpreter, parseRelease, parseSpecifier, pythonVersionSpecifier, type Interpreter } from './interpreters.js';

describe('parseSpecifier', () => {
  const cases: [string, string, boolean][] = [
    ['>=3.9', '3.9.0', true],
    ['>=3.9', '3.8.18', false],
    ['>=3.12', '3.13.0', true],
    ['>=3.8,<4', '3.11.7', true],
    ['>=3.8, <3.11', '3.11.0', false],
    ['<3.11', '3.10.13', true],
    ['>3.11', '3.11.0', false],
    ['>3.11', '3.11.1', true],
    ['<=3.11', '3.11.0', true],
    ['<=3.11', '3.11.7', false],
    ['~=3.10', '3.13.0', true],
    ['~=3.10', '3.9.18', false],
    ['~=3.10', '4.0.0', false],
    ['~=3.10.2', '3.10.13', true],
    ['~=3.10.2', '3.11.0', false],
    ['==3.11.*', '3.11.7', true],
    ['==3.11.*', '3.12.1', false],
    ['==3.11', '3.11.0', true],
    ['==3.11', '3.11.7', false],
    ['!=3.9.*', '3.9.18', false],
    ['!=3.9.*', '3.10.13', true],
    ['!=3.10.0', '3.10.13', true],
    ['===3.12.1', '3.12.1', true],
    ['>=3.8.*', '3.8.18', true],
    ['', '2.7.18', true],
    [' >= 3.10 ', '3.10.13', true],
  ];
  it.each(cases)('%s matches %s: %s', (specifier, version, expected) => {
    expect(parseSpecifier(specifier)(version)).toBe(expected);
  });

  it('rejects what is not a specifier, naming the clause', () => {
    expect(() => parseSpecifier('>=3.9,python3')).toThrow('invalid clause "python3"');
    expect(() => parseSpecifier('~=3')).toThrow('~= needs at least two numbers');
  });

  it('reads pre-release interpreters by their release numbers', () => {
    expect(parseRelease('3.13.0rc1')).toEqual([3, 13, 0]);
    expect(parseSpecifier('>=3.13')('3.13.0rc1')).toBe(true);
  });
});

describe('pythonVersionSpecifier', () => {
  it('reads a bare version as its release series and leaves specifiers alone', () => {
    expect(pythonVersionSpecifier('3.12')).toBe('==3.12.*');
    expect(pythonVersionSpecifier(' 3.12.1 ')).toBe('==3.12.1.*');
    expect(pythonVersionSpecifier('3.12.*')).toBe('==3.12.*');
    expect(pythonVersionSpecifier('>=3.11,<3.13')).toBe('>=3.11,<3.13');
  });
});

describe('chooseInterpreter', () => {
  const interpreter = (version: string): Interpreter => ({
    command: `python${version.split('.').slice(0, 2).join('.')}`,
    version,
    executable: `/opt/python/${version}/bin/python3`,
    machine: 'x86_64',
    readsToml: parseRelease(version)[1]! >= 11,
    fullVersion: version,
  });
  // The worker's default first, as WORKER_PYTHONS or PATH discovery lists them.
  const worker = [interpreter('3.11.7'), interpreter('3.13.0'), interpreter('3.12.1'), interpreter('3.10.13'), interpreter('3.9.18')];

  it('takes the default without a requirement', () => {
    expect(chooseInterpreter(worker, {}).version).toBe('3.11.7');
    expect(chooseInterpreter(worker, { requiresPython: '  ', pythonVersion: null }).version).toBe('3.11.7');
  });

  it('takes the newest interpreter that requires-python allows', () => {
    expect(chooseInterpreter(worker, { requiresPython: '>=3.8' }).version).toBe('3.13.0');
    expect(chooseInterpreter(worker, { requiresPython: '>=3.12' }).version).toBe('3.13.0');
    expect(chooseInterpreter(worker, { requiresPython: '<3.11' }).version).toBe('3.10.13');
    expect(chooseInterpreter(worker, { requiresPython: '>=3.12,<3.13' }).version).toBe('3.12.1');
  });

  it("lets the suite's Python version override requires-python", () => {
    expect(chooseInterpreter(worker, { requiresPython: '>=3.12', pythonVersion: '3.10' }).version).toBe('3.10.13');
    expect(chooseInterpreter(worker, { pythonVersion: '>=3.10' }).version).toBe('3.13.0');
  });

  it('names the requirement and the versions the worker has when none matches', () => {
    expect(() => chooseInterpreter(worker, { requiresPython: '>=3.14' })).toThrow(
      new EnvironmentSetupError('the repository requires Python >=3.14; this worker has 3.11.7, 3.13.0, 3.12.1, 3.10.13, 3.9.18'),
    );
    expect(() => chooseInterpreter(worker, { pythonVersion: '3.8' })).toThrow(new EnvironmentSetupError('the suite asks for Python 3.8; this worker has 3.11.7, 3.13.0, 3.12.1, 3.10.13, 3.9.18'));
    expect(() => chooseInterpreter(worker, { requiresPython: 'python 3' })).toThrow(/^requires-python "python 3" is not a valid version specifier/);
    expect(() => chooseInterpreter([], {})).toThrow(EnvironmentSetupError);
  });
});
