import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { basename, dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { EXIT, UsageError } from '../errors.js';
import { PLACEHOLDER_REPO_HOST, PROJECT_FILE } from '../project-file.js';
import { applyFile } from './apply.js';

/** @typedef {import('../types.js').Command} Command */

/**
 * The template test repositories `qatron init --template NAME` copies (FR-CLI-02), each the
 * directory `templates/NAME/`, with the suite and environment its next steps run.
 * @typedef {{ summary: string, suite: string, environment: string, install: string }} TemplateSpec
 * @type {Record<string, TemplateSpec>}
 */
export const TEMPLATES = {
  repository: { summary: 'pytest and pytest-bdd tests of a small Python package, CI examples', suite: 'smoke', environment: 'staging', install: ' pytest pytest-cov' },
  web: { summary: 'browser tests of a tiny web app through the Selenium Grid, a pytest-bdd scenario', suite: 'ui', environment: 'local', install: ' -e /path/to/qatron/framework' },
};

/** The template `qatron init` copies without --template. */
export const DEFAULT_TEMPLATE = 'repository';

/**
 * Template `name`, with its directory.
 * @param {string} name
 * @returns {TemplateSpec & { name: string, dir: string }}
 * @throws {UsageError} naming the templates there are, when `name` is none of them
 */
export function chooseTemplate(name) {
  const spec = Object.hasOwn(TEMPLATES, name) ? TEMPLATES[name] : undefined;
  if (!spec) throw new UsageError(`unknown template "${name}": use one of ${Object.keys(TEMPLATES).join(', ')}`);
  return { ...spec, name, dir: fileURLToPath(new URL(`../../templates/${name}/`, import.meta.url)) };
}

/** The template test repository that `qatron init` copies by default. */
export const TEMPLATE_DIR = chooseTemplate(DEFAULT_TEMPLATE).dir;

/**
 * Names `init` fills into the template: `{{name}}` the QAtron project name, `{{package}}` the
 * Python package under src/, `{{slug}}` a lower-case, URL-safe form, `{{repo_url}}` the clone URL.
 * @typedef {{ name: string, package: string, slug: string, repo_url: string }} TemplateValues
 */

/** Project names init accepts: safe unquoted in shells, YAML strings and Markdown alike. */
const PROJECT_NAME = /^[A-Za-z0-9][A-Za-z0-9._ -]{0,99}$/;

/**
 * Top-level module names a test repository's package must not take: with `pythonpath = src` it
 * would shadow the standard library (Python 3.11 sys.stdlib_module_names) or the test tooling.
 */
const RESERVED_MODULES = new Set(
  (
    'abc aifc antigravity argparse array ast asynchat asyncio asyncore atexit audioop base64 bdb binascii bisect builtins bz2 ' +
    'cProfile calendar cgi cgitb chunk cmath cmd code codecs codeop collections colorsys compileall concurrent configparser ' +
    'contextlib contextvars copy copyreg crypt csv ctypes curses dataclasses datetime dbm decimal difflib dis distutils doctest ' +
    'email encodings ensurepip enum errno faulthandler fcntl filecmp fileinput fnmatch fractions ftplib functools gc genericpath ' +
    'getopt getpass gettext glob graphlib grp gzip hashlib heapq hmac html http idlelib imaplib imghdr imp importlib inspect io ' +
    'ipaddress itertools json keyword lib2to3 linecache locale logging lzma mailbox mailcap marshal math mimetypes mmap ' +
    'modulefinder msilib msvcrt multiprocessing netrc nis nntplib nt ntpath nturl2path numbers opcode operator optparse os ' +
    'ossaudiodev pathlib pdb pickle pickletools pipes pkgutil platform plistlib poplib posix posixpath pprint profile pstats pty ' +
    'pwd py_compile pyclbr pydoc pydoc_data pyexpat queue quopri random re readline reprlib resource rlcompleter runpy sched ' +
    'secrets select selectors shelve shlex shutil signal site smtpd smtplib sndhdr socket socketserver spwd sqlite3 sre_compile ' +
    'sre_constants sre_parse ssl stat statistics string stringprep struct subprocess sunau symtable sys sysconfig syslog tabnanny ' +
    'tarfile telnetlib tempfile termios test textwrap this threading time timeit tkinter token tokenize tomllib trace traceback ' +
    'tracemalloc tty turtle turtledemo types typing unicodedata unittest urllib uu uuid venv warnings wave weakref webbrowser ' +
    'winreg winsound wsgiref xdrlib xml xmlrpc zipapp zipfile zipimport zlib zoneinfo ' +
    // Python keywords, and what QAtron installs into every run or the repository itself uses.
    'false none true and as assert async await break class continue def del elif else except finally for from global if import in ' +
    'is lambda nonlocal not or pass raise return try while with yield ' +
    'pytest _pytest pytest_bdd pytest_cov xdist allure allure_commons allure_pytest coverage pluggy iniconfig packaging parse ' +
    'parse_type mako markupsafe gherkin typing_extensions qatron conftest tests features src pip setuptools wheel'
  )
    .split(/\s+/)
    .filter(Boolean),
);

/**
 * The names init writes, from `--name` or the directory's name.
 * @param {string} raw
 * @returns {{ name: string, package: string, slug: string }}
 * @throws {UsageError} when `raw` cannot be a project name (letters, digits, space, . _ -)
 */
export function projectNames(raw) {
  const name = raw.trim();
  if (!PROJECT_NAME.test(name)) {
    throw new UsageError(`"${raw}" cannot be a project name: use letters, digits, spaces, ".", "_" or "-" (at most 100 characters, starting with a letter or digit); pass --name`);
  }
  const slug = name.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '') || 'project';
  let pkg = slug.replace(/-/g, '_');
  if (/^[0-9]/.test(pkg)) pkg = `app_${pkg}`;
  if (RESERVED_MODULES.has(pkg)) pkg = `${pkg}_app`;
  return { name, package: pkg, slug };
}

/**
 * `text` with every `{{key}}` replaced by its value. GitHub Actions' `${{ expr }}` (with spaces)
 * is not a placeholder and is left alone.
 * @param {string} text
 * @param {TemplateValues} values
 * @returns {string}
 * @throws {Error} on a placeholder with no value (a bug in the template)
 */
export function renderTemplate(text, values) {
  return text.replace(/\{\{([a-z_]+)\}\}/g, (placeholder, key) => {
    if (!Object.hasOwn(values, key)) throw new Error(`template placeholder ${placeholder} has no value`);
    return values[/** @type {keyof TemplateValues} */ (key)];
  });
}

/**
 * Where a template file goes: `dot-x` segments become `.x` (npm drops `.gitignore` from packages,
 * and dotfiles are easy to lose in a template tree) and `__package__` the Python package.
 * @param {string} templatePath relative, with `/` separators
 * @param {TemplateValues} values
 * @returns {string}
 */
export function targetPath(templatePath, values) {
  return templatePath
    .split('/')
    .map((segment) => segment.replace(/^dot-/, '.').replace(/^__package__$/, values.package))
    .join('/');
}

/**
 * The rendered files of the template repository, by target path (sorted).
 * @param {TemplateValues} values
 * @param {string} [templateDir]
 * @returns {Promise<{ path: string, content: string }[]>}
 */
export async function renderRepository(values, templateDir = TEMPLATE_DIR) {
  const entries = await readdir(templateDir, { recursive: true, withFileTypes: true });
  const files = [];
  for (const entry of entries) {
    if (!entry.isFile() || entry.name.endsWith('.pyc')) continue;
    const full = join(entry.parentPath, entry.name);
    const path = relative(templateDir, full).split(sep).join('/');
    if (path.split('/').includes('__pycache__')) continue;
    files.push({ path: targetPath(path, values), content: renderTemplate(await readFile(full, 'utf8'), values) });
  }
  return files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

/**
 * The `origin` URL of the git repository at `dir`, if it is one and the URL has no credentials:
 * `git clone … && cd … && qatron init` then registers the right URL without editing.
 * @param {string} dir
 * @returns {Promise<string | null>}
 */
export async function originUrl(dir) {
  let config;
  try {
    config = await readFile(join(dir, '.git', 'config'), 'utf8');
  } catch {
    return null;
  }
  const section = /^\[remote "origin"\][^\n]*\n((?:(?!\[)[^\n]*\n?)*)/m.exec(config);
  const url = section ? /^\s*url\s*=\s*(\S+)\s*$/m.exec(section[1] ?? '')?.[1] : undefined;
  if (!url || /^[a-z][a-z0-9+.-]*:\/\/[^/@]*@/i.test(url)) return null;
  return url;
}

/**
 * What to do after init, as shell lines: install and run the tests locally, commit, register, run on QAtron.
 * @param {{ shown: string, template: TemplateSpec, hasGit: boolean, repoUrl: string, registered: boolean }} state
 * @returns {string[]}
 */
function nextSteps({ shown, template, hasGit, repoUrl, registered }) {
  return [
    ...(shown === '.' ? [] : [`cd ${shown.includes(' ') ? JSON.stringify(shown) : shown}`]),
    `python3 -m venv .venv && .venv/bin/pip install -r requirements.txt${template.install} && .venv/bin/pytest`,
    ...(hasGit ? [] : ['git init -b main && git add . && git commit -m "QAtron tests"   # then push it']),
    ...(repoUrl.includes(PLACEHOLDER_REPO_HOST) ? [`edit ${PROJECT_FILE}: set project.repo_url to where the repository is pushed`] : []),
    ...(registered ? [] : ['qatron apply                                    # create the project, environments and suites']),
    `qatron run --suite ${template.suite} --env ${template.environment} --wait`,
  ];
}

/** @type {Command} */
const init = {
  name: 'init',
  summary: 'Create a working test repository (pytest, pytest-bdd, qatron.yaml, CI examples; --template web: browser tests)',
  usage: 'qatron init [DIR] [--template repository|web] [--name NAME] [--repo-url URL] [--force] [--register]',
  examples: [
    'qatron init shop-tests',
    'qatron init shop-ui-tests --template web',
    'qatron init . --name "Shop" --repo-url https://github.com/acme/shop-tests.git',
    'qatron init shop-tests --repo-url git@github.com:acme/shop-tests.git --register',
  ],
  options: {
    template: {
      type: 'string',
      short: 't',
      description: `What to start from (default ${DEFAULT_TEMPLATE}): ${Object.entries(TEMPLATES).map(([name, t]) => `${name}: ${t.summary}`).join('; ')}`,
    },
    name: { type: 'string', short: 'n', description: 'Project name (default: the directory name)' },
    'repo-url': { type: 'string', description: "Where QAtron clones the repository from (default: the directory's git origin, else a placeholder to edit)" },
    force: { type: 'boolean', description: 'Write into a directory that is not empty (template files are overwritten)' },
    register: { type: 'boolean', description: 'Then create the project, environments and suites on the server (`qatron apply`)' },
  },
  // Only --register talks to the server; its login is checked below.
  needsAuth: false,
  async run(ctx) {
    const { args, options, io } = ctx;
    if (args.length > 1) throw new UsageError(`init takes one directory (got ${args.length}: ${args.join(' ')})`);
    const template = chooseTemplate(options.template ?? DEFAULT_TEMPLATE);
    if (options.register && !(ctx.config?.url && ctx.config?.token)) throw new UsageError('run `qatron login` first (--register creates the project on the server)');
    const dir = resolve(args[0] ?? '.');
    /** @type {string[]} */
    const existing = await readdir(dir).catch((error) => {
      if (/** @type {NodeJS.ErrnoException} */ (error).code === 'ENOENT') return [];
      throw error;
    });
    // A fresh clone (only .git) counts as empty: `git clone URL && cd … && qatron init` is the common start.
    if (existing.some((entry) => entry !== '.git') && !options.force) {
      throw new UsageError(`${dir} is not empty: pass --force to write the template files into it anyway`);
    }
    const names = projectNames(options.name ?? basename(dir));
    const repoUrl = options['repo-url'] ?? (await originUrl(dir)) ?? `https://${PLACEHOLDER_REPO_HOST}/your-team/${names.slug}.git`;
    if (options.register && repoUrl.includes(PLACEHOLDER_REPO_HOST)) {
      throw new UsageError('--register needs the repository URL the workers clone from: pass --repo-url URL');
    }
    const values = { ...names, repo_url: repoUrl };
    const files = await renderRepository(values, template.dir);
    for (const file of files) {
      const target = join(dir, file.path);
      await mkdir(dirname(target), { recursive: true });
      await writeFile(target, file.content);
    }

    const structured = options.output === 'json' || options.output === 'yaml';
    const summary = { directory: dir, template: template.name, project: names.name, package: names.package, repo_url: repoUrl, files: files.map((f) => f.path) };
    if (structured && !options.register) {
      ctx.output.print(summary);
      return EXIT.OK;
    }
    const nearby = relative(process.cwd(), dir);
    const shown = nearby === '' ? '.' : nearby.startsWith('..') ? dir : nearby;
    const out = structured ? io.stderr : io.stdout;
    out.write(`Created the QAtron test repository "${names.name}" in ${shown}/:\n${files.map((f) => `  ${f.path}\n`).join('')}`);
    if (options.register) {
      out.write('\nRegistering it on the server:\n');
      const code = await applyFile(ctx, join(dir, PROJECT_FILE));
      if (code !== EXIT.OK) return code;
    }
    const steps = nextSteps({ shown, template, hasGit: existing.includes('.git'), repoUrl, registered: Boolean(options.register) });
    out.write(`\nNext steps:\n${steps.map((step) => `  ${step}\n`).join('')}`);
    return EXIT.OK;
  },
};

export default init;
