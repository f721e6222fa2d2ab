import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { UsageError } from '../errors.js';
import { parseProjectFile } from '../project-file.js';
import init, { chooseTemplate, originUrl, projectNames, renderRepository, renderTemplate, targetPath, TEMPLATE_DIR } from './init.js';

const VALUES = { name: 'Shop Tests', package: 'shop_tests', slug: 'shop-tests', repo_url: 'https://github.com/acme/shop-tests.git' };

/** A ctx for init.run with captured stdout/stderr (no server: init needs none without --register). */
function fakeContext(args: string[], options: Record<string, unknown> = {}) {
  const out: string[] = [];
  const err: string[] = [];
  const printed: unknown[] = [];
  const ctx = {
    args,
    options,
    client: { request: async () => Promise.reject(new Error('no server in unit tests')) },
    config: { url: null, token: null },
    output: { print: (data: unknown) => printed.push(data) },
    io: { stdout: { write: (s: string) => out.push(s) }, stderr: { write: (s: string) => err.push(s) }, stdin: {}, isTTY: false },
    env: {},
  } as any;
  return { ctx, stdout: () => out.join(''), stderr: () => err.join(''), printed };
}

describe('projectNames', () => {
  it.each([
    ['demo', { name: 'demo', package: 'demo', slug: 'demo' }],
    ['Shop Tests', { name: 'Shop Tests', package: 'shop_tests', slug: 'shop-tests' }],
    ['my.api-v2', { name: 'my.api-v2', package: 'my_api_v2', slug: 'my-api-v2' }],
    ['2024-release', { name: '2024-release', package: 'app_2024_release', slug: '2024-release' }],
    // With pythonpath = src these would shadow the standard library or the test tooling.
    ['json', { name: 'json', package: 'json_app', slug: 'json' }],
    ['pytest', { name: 'pytest', package: 'pytest_app', slug: 'pytest' }],
    ['class', { name: 'class', package: 'class_app', slug: 'class' }],
    ['  padded  ', { name: 'padded', package: 'padded', slug: 'padded' }],
  ])('%s', (raw, expected) => {
    expect(projectNames(raw)).toEqual(expected);
  });

  it.each(['', '-x', 'a"b', 'semi;colon', 'x'.repeat(101), 'new\nline'])('refuses %j', (raw) => {
    expect(() => projectNames(raw)).toThrow(UsageError);
  });
});

describe('renderTemplate', () => {
  it('fills the placeholders and leaves GitHub Actions expressions alone', () => {
    expect(renderTemplate('{{name}} {{package}} {{slug}} {{repo_url}} ${{ secrets.QATRON_API_URL }}', VALUES)).toBe(
      'Shop Tests shop_tests shop-tests https://github.com/acme/shop-tests.git ${{ secrets.QATRON_API_URL }}',
    );
  });

  it('refuses a placeholder it has no value for', () => {
    expect(() => renderTemplate('{{nope}}', VALUES)).toThrow('template placeholder {{nope}} has no value');
  });

  it('maps dot- segments to dotfiles and __package__ to the package', () => {
    expect(targetPath('dot-github/workflows/qatron.yml', VALUES)).toBe('.github/workflows/qatron.yml');
    expect(targetPath('src/__package__/__init__.py', VALUES)).toBe('src/shop_tests/__init__.py');
  });
});

describe('renderRepository', () => {
  it('renders every template file with the names substituted and no placeholder left', async () => {
    const files = await renderRepository(VALUES);
    expect(files.map((f) => f.path)).toEqual([
      '.circleci/config.yml',
      '.coveragerc',
      '.github/workflows/qatron.yml',
      '.gitignore',
      '.gitlab-ci.yml',
      'Jenkinsfile',
      'README.md',
      'azure-pipelines.yml',
      'conftest.py',
      'features/checkout.feature',
      'pytest.ini',
      'qatron.yaml',
      'requirements.txt',
      'src/shop_tests/__init__.py',
      'src/shop_tests/cart.py',
      'src/shop_tests/pricing.py',
      'tests/test_cart.py',
      'tests/test_checkout_steps.py',
      'tests/test_environment.py',
      'tests/test_pricing.py',
    ]);
    for (const file of files) {
      // GitHub's `${{ expr }}` is the only `{{` allowed to remain.
      expect(file.content.replace(/\$\{\{ [^}]+ \}\}/g, ''), file.path).not.toMatch(/\{\{|\}\}/);
    }
    const byPath = Object.fromEntries(files.map((f) => [f.path, f.content]));
    expect(byPath['tests/test_cart.py']).toContain('from shop_tests import Cart');
    expect(byPath['requirements.txt']).toContain('pytest-bdd==9.0.1');
    expect(byPath['.github/workflows/qatron.yml']).toContain('QATRON_SERVICE_TOKEN: ${{ secrets.QATRON_SERVICE_TOKEN }}');
    for (const ci of ['.github/workflows/qatron.yml', '.gitlab-ci.yml', 'Jenkinsfile', '.circleci/config.yml', 'azure-pipelines.yml']) {
      // The CLI comes from the server the pipeline talks to (GET /api/v1/cli/qatron-cli.tgz).
      expect(byPath[ci], ci).toContain('"$QATRON_API_URL/api/v1/cli/qatron-cli.tgz" -o qatron-cli.tgz');
      expect(byPath[ci], ci).toMatch(/npm install -g \.\/qatron-cli\.tgz/);
      expect(byPath[ci], ci).toMatch(/qatron" run --project "Shop Tests" --suite smoke --env staging .*--wait|qatron run --project "Shop Tests" --suite smoke --env staging .*--wait/);
      expect(byPath[ci], ci).toContain('curl -fsS -X POST "$QATRON_API_URL/api/v1/runs"');
    }
    const project = parseProjectFile(byPath['qatron.yaml']!);
    expect(project.project.name).toBe('Shop Tests');
    expect(project.environments.map((e) => [e.name, e.base_url, e.retention_days])).toEqual([
      ['development', 'http://localhost:8080', 7],
      ['staging', 'https://staging.example.com', 30],
      ['production', 'https://www.example.com', 90],
    ]);
    expect(project.suites.map((s) => [s.name, s.markers, s.shards])).toEqual([
      ['smoke', 'smoke', 1],
      ['regression', '', 4],
    ]);
  });
});

describe('the web template', () => {
  it('renders a static site, browser tests, one pytest-bdd scenario and a qatron.yaml naming the Grid', async () => {
    const files = await renderRepository(VALUES, chooseTemplate('web').dir);
    expect(files.map((f) => f.path)).toEqual([
      '.gitignore',
      'README.md',
      'conftest.py',
      'features/sign_in.feature',
      'pytest.ini',
      'qatron.yaml',
      'requirements.txt',
      'site/about.html',
      'site/index.html',
      'site/sign-in.html',
      'tests/test_pages.py',
      'tests/test_sign_in.py',
    ]);
    for (const file of files) expect(file.content, file.path).not.toMatch(/\{\{|\}\}/);
    const byPath = Object.fromEntries(files.map((f) => [f.path, f.content]));
    // The pins of the repository template and of the worker's plugins (PLUGIN_VERSIONS), and the selenium the fixtures use.
    expect(byPath['requirements.txt']!.split('\n').filter((line) => line && !line.startsWith('#'))).toEqual([
      'pytest==9.2.0',
      'pytest-bdd==9.0.1',
      'selenium==4.51.0',
      'allure-pytest==2.16.2',
    ]);
    expect(byPath['tests/test_sign_in.py']).toContain('scenarios("sign_in.feature")');
    expect(byPath['README.md']).toContain('# Shop Tests');
    const project = parseProjectFile(byPath['qatron.yaml']!);
    expect(project.project).toMatchObject({ name: 'Shop Tests', repo_url: 'https://github.com/acme/shop-tests.git' });
    expect(project.environments).toEqual([{ name: 'local', kind: 'development', grid: 'local', retention_days: 7, variables: { QATRON_BROWSER: 'chrome' } }]);
    expect(project.suites.map((s) => [s.name, s.markers, s.shards, s.coverage])).toEqual([['ui', '', 2, false]]);
  });

  it('is the repository template by default, and an unknown name lists the templates', () => {
    expect(chooseTemplate('repository').dir).toBe(TEMPLATE_DIR);
    expect(() => chooseTemplate('mobile')).toThrow(new UsageError('unknown template "mobile": use one of repository, web'));
    // Not a template, though an own property of every object.
    expect(() => chooseTemplate('constructor')).toThrow(UsageError);
  });
});

describe('qatron init', () => {
  let root: string;
  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'qatron-init-'));
  });
  afterEach(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('writes the repository into a new directory named after it and prints the next steps', async () => {
    const dir = join(root, 'demo');
    const { ctx, stdout } = fakeContext([dir]);
    expect(await init.run(ctx)).toBe(0);
    expect(await readFile(join(dir, 'src/demo/cart.py'), 'utf8')).toContain('class Cart');
    const yaml = await readFile(join(dir, 'qatron.yaml'), 'utf8');
    expect(yaml).toContain('name: "demo"');
    expect(yaml).toContain('repo_url: "https://git.example.com/your-team/demo.git"');
    expect(stdout()).toContain('Created the QAtron test repository "demo"');
    expect(stdout()).toContain('  qatron.yaml\n');
    expect(stdout()).toContain('edit qatron.yaml: set project.repo_url');
    expect(stdout()).toContain('qatron run --suite smoke --env staging --wait');
  });

  it('writes the web template with --template web, and its next steps run the ui suite on local', async () => {
    const dir = join(root, 'shop-ui');
    const { ctx, stdout } = fakeContext([dir], { template: 'web' });
    expect(await init.run(ctx)).toBe(0);
    expect(await readFile(join(dir, 'site/sign-in.html'), 'utf8')).toContain("'Welcome, '");
    expect(await readFile(join(dir, 'qatron.yaml'), 'utf8')).toContain('name: "shop-ui"');
    expect(stdout()).toContain('  features/sign_in.feature\n');
    expect(stdout()).toContain('.venv/bin/pip install -r requirements.txt -e /path/to/qatron/framework && .venv/bin/pytest');
    expect(stdout()).toContain('qatron run --suite ui --env local --wait');
  });

  it('exits 3 for an unknown --template, before writing anything', async () => {
    const dir = join(root, 'demo');
    const attempt = init.run(fakeContext([dir], { template: 'mobile' }).ctx);
    await expect(attempt).rejects.toMatchObject({ exitCode: 3, message: 'unknown template "mobile": use one of repository, web' });
    await expect(readFile(join(dir, 'qatron.yaml'))).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('takes --name and --repo-url', async () => {
    const { ctx } = fakeContext([root], { name: 'Checkout API', 'repo-url': 'git@github.com:acme/checkout.git' });
    expect(await init.run(ctx)).toBe(0);
    const file = parseProjectFile(await readFile(join(root, 'qatron.yaml'), 'utf8'));
    expect(file.project).toMatchObject({ name: 'Checkout API', repo_url: 'git@github.com:acme/checkout.git' });
    expect(await readFile(join(root, 'tests/test_pricing.py'), 'utf8')).toContain('from checkout_api import');
  });

  it('refuses a directory that is not empty unless --force, and treats a fresh clone as empty', async () => {
    await writeFile(join(root, 'notes.txt'), 'mine');
    await expect(init.run(fakeContext([root]).ctx)).rejects.toThrow(`${root} is not empty: pass --force to write the template files into it anyway`);
    expect(await init.run(fakeContext([root], { force: true, name: 'x' }).ctx)).toBe(0);
    expect(await readFile(join(root, 'notes.txt'), 'utf8')).toBe('mine');

    const clone = join(root, 'clone');
    await mkdir(join(clone, '.git'), { recursive: true });
    await writeFile(join(clone, '.git', 'config'), '[core]\n\tbare = false\n[remote "origin"]\n\turl = https://github.com/acme/clone.git\n\tfetch = +refs/heads/*:refs/remotes/origin/*\n');
    const { ctx, stdout } = fakeContext([clone]);
    expect(await init.run(ctx)).toBe(0);
    expect(parseProjectFile(await readFile(join(clone, 'qatron.yaml'), 'utf8')).project.repo_url).toBe('https://github.com/acme/clone.git');
    expect(stdout()).not.toContain('git init');
  });

  it('does not take an origin URL that carries credentials', async () => {
    await mkdir(join(root, '.git'));
    await writeFile(join(root, '.git', 'config'), '[remote "origin"]\n\turl = https://user:ghp_secret@github.com/acme/x.git\n');
    expect(await originUrl(root)).toBeNull();
  });

  it('exits 3 for --register without a login, before writing anything', async () => {
    const dir = join(root, 'demo');
    const attempt = init.run(fakeContext([dir], { register: true }).ctx);
    await expect(attempt).rejects.toThrow('run `qatron login` first');
    await expect(attempt).rejects.toMatchObject({ exitCode: 3 });
    await expect(readFile(join(dir, 'qatron.yaml'))).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('exits 3 for --register without a repository URL', async () => {
    const { ctx } = fakeContext([join(root, 'demo')], { register: true });
    ctx.config = { url: 'http://qatron.test', token: 't' };
    await expect(init.run(ctx)).rejects.toMatchObject({ exitCode: 3, message: '--register needs the repository URL the workers clone from: pass --repo-url URL' });
  });

  it('prints a summary object with --output json', async () => {
    const { ctx, printed } = fakeContext([join(root, 'demo')], { output: 'json' });
    expect(await init.run(ctx)).toBe(0);
    expect(printed).toEqual([expect.objectContaining({ template: 'repository', project: 'demo', package: 'demo', files: expect.arrayContaining(['qatron.yaml', 'Jenkinsfile']) })]);
  });

  it('refuses two directories', async () => {
    await expect(init.run(fakeContext(['a', 'b']).ctx)).rejects.toThrow('init takes one directory (got 2: a b)');
  });
});
