import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { parse as parseRealYaml } from 'yaml';
import { parseProjectFile, parseYaml, ProjectFileError } from './project-file.js';
import { renderTemplate } from './commands/init.js';

const TEMPLATE = await readFile(new URL('../templates/repository/qatron.yaml', import.meta.url), 'utf8');
const VALUES = { name: 'shop', package: 'shop', slug: 'shop', repo_url: 'https://github.com/acme/shop-tests.git' };
const GOOD = renderTemplate(TEMPLATE, VALUES);

/** The problems of an invalid file, as `line: path: message`. */
function problemsOf(text: string): string[] {
  try {
    parseProjectFile(text, 'qatron.yaml');
  } catch (error) {
    expect(error).toBeInstanceOf(ProjectFileError);
    return (error as ProjectFileError).problems.map((p) => `${p.line}: ${p.path ? `${p.path}: ` : ''}${p.message}`);
  }
  throw new Error('expected the file to be invalid');
}

describe('parseYaml', () => {
  // Every document is read exactly as other YAML tools read it.
  const documents: Record<string, string> = {
    template: GOOD,
    nested: 'a:\n  b:\n    c: 1\n  d: [x, "y z", 3]\ne: {}\nf: []\n',
    'list at the key indentation': 'items:\n- one\n- two\n',
    'list of mappings': 'suites:\n  - name: smoke\n    shards: 1\n  -   name: regression\n      shards: 4\n',
    'item on the next line': 'list:\n  -\n    name: a\n  - b\n',
    scalars: 'i: 42\nneg: -3\nf: 1.5\nt: true\nF: false\nn: null\ntilde: ~\nempty:\nurl: http://host:8080/x\ns: \'it\'\'s\'\nd: "a\\"b\\\\c\\n"\nver: 1.2.3\n',
    comments: '# head\n---\na: 1 # trailing\nb: "# not a comment"\nc: x#y\n  # indented comment\n',
    'quoted keys': '"a b": 1\n\'c\': 2\n',
    'anchors and aliases': 'a: &x 1\nb: *x\n',
    'block scalars': 'a: |\n  line one\n  line two\nb: >\n  folded\n  text\n',
    'flow mappings': 'a: {b: 1, c: [x, {d: 2}]}\n',
    'multi-line strings': 'a: "one\n  two"\nb: plain\n  continued\n',
  };
  for (const [name, text] of Object.entries(documents)) {
    it(`reads "${name}" as a real YAML parser does`, () => {
      expect(parseYaml(text).value).toEqual(parseRealYaml(text));
    });
  }

  it('records the line of every key and list item', () => {
    const { lines } = parseYaml('# c\nsuites:\n  - name: smoke\n\n    shards: 2\n  - name: b\n');
    expect(Object.fromEntries(lines)).toEqual({ '': 2, suites: 2, 'suites[0]': 3, 'suites[0].name': 3, 'suites[0].shards': 5, 'suites[1]': 6, 'suites[1].name': 6 });
  });

  const errors: [string, string, string][] = [
    ['tab indentation', 'a:\n\tb: 1\n', 'qatron.yaml:2: indent with spaces: YAML does not allow tabs for indentation'],
    ['duplicate key', 'a: 1\nb: 2\na: 3\n', 'qatron.yaml:3: duplicate key "a" (first on line 1)'],
    ['over-indented line', 'a: 1\n  b: 2\n', 'qatron.yaml:2: unexpected indentation'],
    ['unterminated string', 'a: 1\nb: "open\nc: 2\n', 'qatron.yaml:2: unterminated double-quoted string (no closing " before the end of the file)'],
    ['unknown escape', 'a: "\\q"\n', 'qatron.yaml:1: unknown escape \\q in a double-quoted string'],
    ['reserved first character', 'a: 1\nb: @x\n', 'qatron.yaml:2: a plain value cannot start with @: put it in quotes'],
    ['unknown tag', 'a: 1\nb: !secret x\n', 'qatron.yaml:2: Unresolved tag: !secret'],
    ['list where a key belongs', 'a:\n  b: 1\n  - c\n', 'qatron.yaml:3: a list item where a key was expected (indent the list under its key)'],
    ['second document', 'a: 1\n---\nb: 2\n', 'qatron.yaml:2: only one YAML document is supported (remove the second ---)'],
    ['plain value with ": "', 'a: b: c\n', 'qatron.yaml:1: a plain value cannot contain ": " (put it in quotes, or indent a nested mapping on the next line)'],
    ['not a key', 'a: 1\njust text\n', 'qatron.yaml:2: expected "key: value", found "just text"'],
  ];
  for (const [name, text, message] of errors) {
    it(`refuses ${name} with its line`, () => {
      expect(() => parseYaml(text)).toThrow(new ProjectFileError('qatron.yaml', []).constructor);
      expect(() => parseYaml(text)).toThrow(message);
    });
  }
});

describe('parseProjectFile', () => {
  it('reads the template as the project, 3 environments and 2 suites', () => {
    const file = parseProjectFile(GOOD);
    expect(file.project).toEqual({
      name: 'shop',
      description: 'Tests of shop',
      repo_url: 'https://github.com/acme/shop-tests.git',
      default_branch: 'main',
      auth_method: 'none',
    });
    expect(file.environments).toEqual([
      { name: 'development', kind: 'development', base_url: 'http://localhost:8080', retention_days: 7, variables: { LOG_LEVEL: 'debug' } },
      { name: 'staging', kind: 'staging', base_url: 'https://staging.example.com', retention_days: 30 },
      { name: 'production', kind: 'production', base_url: 'https://www.example.com', retention_days: 90 },
    ]);
    expect(file.suites).toEqual([
      { name: 'smoke', layer: 'e2e', markers: 'smoke', shards: 1, retries: 1, timeout_seconds: 900 },
      { name: 'regression', layer: 'integration', markers: '', shards: 4, workers_per_shard: 0, retries: 1, timeout_seconds: 3600, coverage_threshold: 80 },
    ]);
  });

  it("reads the template's commented suite settings as their examples once uncommented", () => {
    const uncommented = GOOD.replace(/^( +)# (coverage|allow_empty|install_command|python_version): /gm, '$1$2: ');
    expect(parseProjectFile(uncommented).suites[0]).toEqual({
      name: 'smoke',
      layer: 'e2e',
      markers: 'smoke',
      shards: 1,
      retries: 1,
      timeout_seconds: 900,
      coverage: false,
      coverage_threshold: null,
      allow_empty: true,
      install_command: 'pip install -e .[test]',
      python_version: '3.12',
    });
  });

  it('leaves out the keys the file does not give, takes the kind from the name, and keeps explicit nulls', () => {
    const file = parseProjectFile('project:\n  name: p\n  repo_url: /srv/git/p\n  secret_ref: null\nenvironments:\n  - name: staging\n    retention_days: null\n    variables:\n      PORT: 8080\n');
    expect(file.project).toEqual({ name: 'p', repo_url: '/srv/git/p', secret_ref: null });
    expect(file.environments).toEqual([{ name: 'staging', kind: 'staging', retention_days: null, variables: { PORT: '8080' } }]);
    expect(file.suites).toEqual([]);
  });

  it("reads an environment's grid by name, null to unset it, and refuses a grid that is not a name", () => {
    const file = parseProjectFile('project:\n  name: p\n  repo_url: /srv/git/p\nenvironments:\n  - name: staging\n    grid: local\n  - name: production\n    grid: null\n  - name: development\n');
    expect(file.environments).toEqual([
      { name: 'staging', kind: 'staging', grid: 'local' },
      { name: 'production', kind: 'production', grid: null },
      { name: 'development', kind: 'development' },
    ]);
    expect(problemsOf('project:\n  name: p\n  repo_url: /srv/git/p\nenvironments:\n  - name: staging\n    grid: [a, b]\n')).toEqual(['6: environments[0].grid: must be a string']);
  });

  it('refuses the placeholder repo_url that init writes', () => {
    expect(problemsOf(renderTemplate(TEMPLATE, { ...VALUES, repo_url: 'https://git.example.com/your-team/shop.git' }))).toEqual([
      "11: project.repo_url: is still the placeholder from `qatron init`: set it to your test repository's clone URL",
    ]);
  });

  it('names the key and the line of every problem, in line order', () => {
    const text = [
      'project:', //                          1
      '  name: shop', //                      2
      '  repo_url: https://g.test/a.git', //  3
      '  auth_method: token', //              4
      '  colour: blue', //                    5
      'environments:', //                     6
      '  - name: staging', //                 7
      '    base_url: ftp://staging', //       8
      '    retention_days: 0', //             9
      '    variables:', //                    10
      '      1BAD: x', //                     11
      '  - name: qa', //                      12
      '  - name: staging', //                 13
      'suites:', //                           14
      '  - name: smoke', //                   15
      '    shards: 65', //                    16
      '    markers: "(smoke"', //             17
      '    layer: system', //                 18
      '    paths: [../outside, tests]', //    19
      '    retries: 1.5', //                  20
      '  - shards: 2', //                     21
      '',
    ].join('\n');
    expect(problemsOf(text)).toEqual([
      '4: project.secret_ref: is required when auth_method is token',
      '5: project.colour: unknown key (expected one of: name, description, repo_url, default_branch, auth_method, secret_ref)',
      '8: environments[0].base_url: must be an http:// or https:// URL',
      '9: environments[0].retention_days: must be at least 1',
      '11: environments[0].variables.1BAD: must be an environment variable name: a letter or _ first, then letters, digits or _',
      '12: environments[1].kind: is required (one of: development, staging, production) when the name is not a kind',
      '13: environments[2].name: duplicate environment name "staging" (first on line 7)',
      '16: suites[0].shards: must be at most 64',
      '17: suites[0].markers: has unbalanced parentheses',
      '18: suites[0].layer: must be one of: unit, contract, integration, e2e',
      '19: suites[0].paths[0]: must not contain .. segments',
      '20: suites[0].retries: must be a whole number',
      '21: suites[1].name: is required',
    ]);
  });

  it("reads a suite's coverage, empty-selection, install and Python settings", () => {
    const file = parseProjectFile([
      'project:',
      '  name: p',
      '  repo_url: /srv/git/p',
      'suites:',
      '  - name: fast',
      '    coverage: false',
      '    allow_empty: true',
      '    install_command: pip install -e .[test]',
      '    python_version: "3.10"',
      '  - name: measured',
      '    coverage: true',
      '    coverage_threshold: 80',
      '    install_command: null',
      '    python_version: ~',
      '  - name: plain',
      '',
    ].join('\n'));
    expect(file.suites).toEqual([
      // coverage off clears a threshold the server may still hold, which it would refuse otherwise.
      { name: 'fast', coverage: false, coverage_threshold: null, allow_empty: true, install_command: 'pip install -e .[test]', python_version: '3.10' },
      { name: 'measured', coverage: true, coverage_threshold: 80, install_command: null, python_version: null },
      { name: 'plain' },
    ]);
  });

  it('names the line of every invalid run setting', () => {
    const text = [
      'project:', //                                  1
      '  name: p', //                                 2
      '  repo_url: /srv/git/p', //                    3
      'suites:', //                                   4
      '  - name: a', //                               5
      '    coverage: "no"', //                        6
      '    allow_empty: 1', //                        7
      '    install_command: ""', //                   8
      '    python_version: 3.10', //                  9
      '  - name: b', //                               10
      '    coverage: false', //                       11
      '    coverage_threshold: 80', //                12
      '    install_command: "pip install .\\nrm x"', // 13
      '    python_version: "2.7"', //                 14
      '    pyhton_version: "3.12"', //                15
      '',
    ].join('\n');
    expect(problemsOf(text)).toEqual([
      '6: suites[0].coverage: must be true or false',
      '7: suites[0].allow_empty: must be true or false',
      '8: suites[0].install_command: must not be empty',
      '9: suites[0].python_version: must be in quotes, e.g. "3.12" (unquoted, YAML reads 3.10 as the number 3.1)',
      '12: suites[1].coverage_threshold: needs coverage: true (a suite that does not measure coverage cannot have a threshold)',
      '13: suites[1].install_command: must not contain line breaks or control characters',
      '14: suites[1].python_version: must be a Python 3 minor version such as "3.12"',
      '15: suites[1].pyhton_version: unknown key (expected one of: name, description, layer, markers, keywords, paths, shards, workers_per_shard, retries, timeout_seconds, coverage, coverage_threshold, allow_empty, install_command, python_version, require_dataset_health)',
    ]);
  });

  it('formats the error as file:line: key: message lines', () => {
    expect(() => parseProjectFile('project:\n  name: x\n', 'ci/qatron.yaml')).toThrow('ci/qatron.yaml:1: project.repo_url: is required');
  });

  it('requires the project and refuses unknown top-level keys', () => {
    expect(problemsOf('suites: []\nproject_name: x\n')).toEqual([
      '1: project: is required',
      '2: project_name: unknown key (expected one of: project, environments, suites)',
    ]);
  });
});

describe('readProjectFile', () => {
  it('says how to get a file when there is none', async () => {
    const { readProjectFile } = await import('./project-file.js');
    await expect(readProjectFile('/nonexistent/qatron.yaml')).rejects.toThrow('/nonexistent/qatron.yaml: not found (run `qatron init` to create one, or pass --file)');
  });
});
