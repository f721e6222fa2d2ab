/**
 * The Python sources of the real-world bench's repository, from a plan (suite.ts): the package
 * under test (`src/realpkg`, measured by coverage), the test packages with their conftest
 * fixtures, pytest.ini, .coveragerc and requirements.txt. Pure: returns path → content.
 */
import { AREAS, type PlannedBlock, type PlannedFile, type PlannedTest, type RealWorldSuite } from './suite.js';

/** Scales every test's time (CPU work and sleep); 0 leaves only the assertions, for the reference count run. */
export const TIME_SCALE_ENV = 'REALWORLD_TIME_SCALE';

/**
 * Units of CPU work (one breadth-first search of a 6x6 grid) per nominal millisecond: measured
 * at ~7 µs a unit with CPython 3.11 on this machine without coverage. Fixed, not calibrated at run
 * time, so that coverage tracing makes the same work slower as it does in a real suite.
 */
export const UNITS_PER_MS = 140;

/** The versions the repository pins (the worker's plugin pins of 2026-12, so they agree). */
export const REQUIREMENTS = ['pytest==9.2.0', 'pytest-xdist==3.8.0', 'pytest-cov==7.1.0', 'coverage==7.17.3'];

const PACKAGE: Record<string, string> = {
  'src/realpkg/__init__.py': `"""A small library with graphs, numbers and text: the system under test of the generated suite."""

__version__ = "1.0.0"
`,
  'src/realpkg/graphs.py': `from collections import deque


class Graph:
    """An undirected graph as adjacency sets."""

    def __init__(self):
        self._adj = {}

    def add_node(self, node):
        self._adj.setdefault(node, set())

    def add_edge(self, u, v):
        self.add_node(u)
        self.add_node(v)
        self._adj[u].add(v)
        self._adj[v].add(u)

    def nodes(self):
        return list(self._adj)

    def neighbors(self, node):
        return self._adj[node]

    def degree(self, node):
        return len(self._adj[node])

    def number_of_edges(self):
        return sum(len(n) for n in self._adj.values()) // 2


def path_graph(n):
    g = Graph()
    g.add_node(0)
    for i in range(n - 1):
        g.add_edge(i, i + 1)
    return g


def cycle_graph(n):
    g = path_graph(n)
    g.add_edge(n - 1, 0)
    return g


def grid_graph(k):
    g = Graph()
    for i in range(k):
        for j in range(k):
            g.add_node(i * k + j)
            if i + 1 < k:
                g.add_edge(i * k + j, (i + 1) * k + j)
            if j + 1 < k:
                g.add_edge(i * k + j, i * k + j + 1)
    return g


def bfs_distances(g, source):
    dist = {source: 0}
    queue = deque([source])
    while queue:
        u = queue.popleft()
        for v in g.neighbors(u):
            if v not in dist:
                dist[v] = dist[u] + 1
                queue.append(v)
    return dist


def shortest_path_length(g, source, target):
    dist = bfs_distances(g, source)
    if target not in dist:
        raise ValueError(f"{target} is not reachable from {source}")
    return dist[target]


def connected_components(g):
    seen = set()
    components = []
    for node in g.nodes():
        if node not in seen:
            component = set(bfs_distances(g, node))
            seen |= component
            components.append(component)
    return components
`,
  'src/realpkg/numeric.py': `def fib(n):
    a, b = 0, 1
    for _ in range(n):
        a, b = b, a + b
    return a


def gcd(a, b):
    while b:
        a, b = b, a % b
    return abs(a)


def is_prime(n):
    if n < 2:
        return False
    i = 2
    while i * i <= n:
        if n % i == 0:
            return False
        i += 1
    return True


def primes_below(n):
    sieve = [True] * n
    out = []
    for i in range(2, n):
        if sieve[i]:
            out.append(i)
            for j in range(i * i, n, i):
                sieve[j] = False
    return out


def mean(values):
    return sum(values) / len(values)


def median(values):
    ordered = sorted(values)
    mid = len(ordered) // 2
    if len(ordered) % 2:
        return ordered[mid]
    return (ordered[mid - 1] + ordered[mid]) / 2


def collatz_length(n):
    steps = 0
    while n != 1:
        n = n // 2 if n % 2 == 0 else 3 * n + 1
        steps += 1
    return steps
`,
  'src/realpkg/text.py': `import re
from collections import Counter


def slugify(value):
    words = re.findall(r"[a-z0-9]+", value.lower())
    return "-".join(words)


def word_counts(value):
    return Counter(value.lower().split())


def wrap(value, width):
    lines, line = [], ""
    for word in value.split():
        if line and len(line) + 1 + len(word) > width:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}" if line else word
    if line:
        lines.append(line)
    return lines
`,
  'src/realpkg/sorting.py': `def merge_sort(values):
    if len(values) <= 1:
        return list(values)
    mid = len(values) // 2
    left, right = merge_sort(values[:mid]), merge_sort(values[mid:])
    out, i, j = [], 0, 0
    while i < len(left) and j < len(right):
        if left[i] <= right[j]:
            out.append(left[i])
            i += 1
        else:
            out.append(right[j])
            j += 1
    return out + left[i:] + right[j:]
`,
};

function workloadModule(cpuShare: number): string {
  return `"""The time a test takes: CPU work in the package (traced by coverage like real code), then a sleep."""

import os
import time

from realpkg.graphs import bfs_distances, grid_graph

SCALE = float(os.environ.get("${TIME_SCALE_ENV}", "1"))
CPU_SHARE = ${cpuShare}
UNITS_PER_MS = ${UNITS_PER_MS}
_GRID = grid_graph(6)


def spend(ms):
    units = round(ms * CPU_SHARE * UNITS_PER_MS * SCALE)
    for _ in range(units):
        bfs_distances(_GRID, 0)
    rest = ms * (1 - CPU_SHARE) * SCALE / 1000
    if rest > 0:
        time.sleep(rest)
`;
}

const ROOT_CONFTEST = `import pytest

from realpkg.graphs import cycle_graph, grid_graph


@pytest.fixture(scope="session")
def reference_graph():
    return grid_graph(8)


@pytest.fixture
def small_graph():
    return cycle_graph(5)


@pytest.fixture
def broken_service():
    raise RuntimeError("connection refused: the service fixture could not start")


@pytest.fixture(autouse=True)
def _isolated_settings(monkeypatch):
    monkeypatch.setenv("REALPKG_SETTINGS", "test")
`;

function areaConftest(area: string): string {
  return `import pytest


@pytest.fixture
def area_name():
    return "${area}"
`;
}

/** One assertion about the package that holds; `t` picks the template and its numbers. */
function passingBody(t: number, file: PlannedFile): string[] {
  const n = 2 + (t % 29);
  switch (t % 7) {
    case 0:
      return [`assert fib(${n}) == fib(${n - 1}) + fib(${n - 2})`];
    case 1:
      return [`assert shortest_path_length(path_graph(${n}), 0, ${n - 1}) == ${n - 1}`];
    case 2:
      return [`assert slugify("Item ${t} of ${file.area}") == "item-${t}-of-${file.area}"`];
    case 3:
      return [`data = [${[5, 3, 9, 1, n, 7, t % 11].join(', ')}]`, 'assert merge_sort(data) == sorted(data)'];
    case 4:
      return [`assert gcd(${6 * n}, ${4 * n}) == ${2 * n}`];
    case 5:
      return ['assert len(bfs_distances(reference_graph, 0)) == 64'];
    default:
      return [`assert primes_below(${n + 3})[-1] < ${n + 3}`];
  }
}

/** Each genuine failure is a plausible bug report: a wrong expectation with a real traceback. */
const FAILING_BODIES = [
  ['assert median([1, 2, 3, 4]) == 2, "the median of an even-length list"'],
  ['assert slugify("Hello,  World") == "hello,-world"'],
  ['assert shortest_path_length(cycle_graph(6), 0, 3) == 2, "the cycle is shorter the other way round"'],
];

const needsReferenceGraph = (t: number) => t % 7 === 5;

function spendLine(test: PlannedTest, indent: string, ms = String(test.ms)): string {
  return `${indent}spend(${ms})`;
}

function functionBlock(block: PlannedBlock, name: string, t: number, file: PlannedFile): string[] {
  const test = block.tests[0]!;
  const lines: string[] = [];
  let params = needsReferenceGraph(t) ? 'reference_graph' : '';
  let body = passingBody(t, file);
  switch (test.kind) {
    case 'fail':
      body = FAILING_BODIES[t % FAILING_BODIES.length]!;
      break;
    case 'error':
      params = 'broken_service';
      body = ['assert broken_service is not None'];
      break;
    case 'skip':
      lines.push('@pytest.mark.skip(reason="needs a display")');
      break;
    case 'skipif':
      lines.push('@pytest.mark.skipif(not HAS_OPTIONAL, reason="nonexistent_mod is not installed")');
      break;
    case 'runtime_skip':
      body = ['pytest.skip("the optional backend is not available")'];
      break;
    case 'xfail':
      lines.push('@pytest.mark.xfail(reason="known bug: fib is 0-based")');
      body = ['assert fib(1) == fib(0), "fib(0) is 0, not 1"'];
      break;
    case 'xfail_strict':
      lines.push('@pytest.mark.xfail(strict=True, raises=ZeroDivisionError, reason="the mean of nothing is undefined")');
      body = ['assert mean([]) == 0'];
      break;
    case 'xpass':
      lines.push('@pytest.mark.xfail(reason="was flaky upstream, fixed since")');
      break;
    case 'xpass_strict':
      lines.push('@pytest.mark.xfail(strict=True, reason="expected to fail, but the bug was fixed")');
      break;
    case 'pass':
      if (file.moduleFixture && t % 3 === 0) {
        params = params ? `${params}, module_data` : 'module_data';
        body = [...body, 'assert sum(module_data) == 4950'];
      }
      break;
  }
  lines.push(`def ${name}(${params}):`);
  if (test.kind !== 'runtime_skip') lines.push(spendLine(test, '    '));
  lines.push(...body.map((b) => `    ${b}`));
  return lines;
}

function parametrizeBlock(block: PlannedBlock, name: string, t: number): string[] {
  const cases = block.tests.map((test, k) => `(${2 + ((t + k) % 25)}, ${test.ms})`);
  return [`@pytest.mark.parametrize("n, ms", [${cases.join(', ')}])`, `def ${name}(n, ms):`, '    spend(ms)', '    assert fib(n) == fib(n - 1) + fib(n - 2)'];
}

/** `7` and `"7"` both give the id `7`: pytest disambiguates the pair, reports must keep both. */
function aliasBlock(block: PlannedBlock, name: string, t: number): string[] {
  const cases = block.tests.map((test, k) => {
    const value = 3 + t + Math.floor(k / 2);
    return k % 2 === 0 ? `(${value}, ${test.ms})` : `("${value}", ${test.ms})`;
  });
  return [`@pytest.mark.parametrize("value, ms", [${cases.join(', ')}])`, `def ${name}(value, ms):`, '    spend(ms)', '    assert str(value).isdigit()'];
}

function classBlock(block: PlannedBlock, name: string): string[] {
  const lines = [`class Test${name.slice('test_'.length).replace(/(^|_)(\w)/g, (_, __, c: string) => c.toUpperCase())}:`];
  block.tests.forEach((test, k) => {
    if (k > 0) lines.push('');
    lines.push(`    def test_case_${k}(self, small_graph, area_name):`, spendLine(test, '        '));
    lines.push(k % 2 === 0 ? '        assert small_graph.degree(0) == 2' : `        assert small_graph.number_of_edges() == 5 and area_name.isalpha()`);
  });
  return lines;
}

const HEADER = [
  'import importlib.util',
  '',
  'import pytest',
  '',
  'from realpkg.graphs import bfs_distances, cycle_graph, path_graph, shortest_path_length',
  'from realpkg.numeric import fib, gcd, mean, median, primes_below',
  'from realpkg.sorting import merge_sort',
  'from realpkg.text import slugify',
  'from realpkg.workload import spend',
  '',
  'HAS_OPTIONAL = importlib.util.find_spec("nonexistent_mod") is not None',
];

/** The Python source of one test module. */
export function renderTestModule(file: PlannedFile, seed: number): string {
  const lines = [`"""Tests of realpkg (generated by QAtron bench/src/real-world.ts, seed ${seed})."""`, ...HEADER];
  if (file.importSkip) lines.push('', 'optional = pytest.importorskip("nonexistent_mod")');
  if (file.marker) lines.push('', `pytestmark = pytest.mark.${file.marker}`);
  if (file.moduleFixture) lines.push('', '', '@pytest.fixture(scope="module")', 'def module_data():', '    return list(range(100))');
  const stem = file.path.split('/').at(-1)!.replace(/^test_|\.py$/g, '');
  let t = Number(stem.replace(/\D/g, '')) * 13;
  file.blocks.forEach((block, b) => {
    const name = `test_${stem.replace(/_\d+$/, '')}_${b}`;
    const render = { function: functionBlock, parametrize: parametrizeBlock, alias: aliasBlock, class: classBlock }[block.style];
    lines.push('', '', ...render(block, name, t, file));
    t += block.tests.length;
  });
  return `${lines.join('\n')}\n`;
}

/** Every file of the repository: path → content. */
export function renderRepository(suite: RealWorldSuite): Record<string, string> {
  const { options } = suite;
  const files: Record<string, string> = {
    'README.md': `# realpkg\n\nA generated repository shaped like a large real project: ${suite.testCount} tests in ${options.files} files (seed ${options.seed}).\n`,
    'requirements.txt': `${REQUIREMENTS.join('\n')}\n`,
    'pytest.ini': [
      '[pytest]',
      'testpaths = tests',
      'pythonpath = src',
      'addopts = --strict-markers',
      'xfail_strict = false',
      'markers =',
      '    slow: tests that take a while',
      '    integration: tests that touch several modules',
      '',
    ].join('\n'),
    '.coveragerc': ['[run]', 'source = src', '', '[report]', 'precision = 2', 'show_missing = false', ''].join('\n'),
    '.gitignore': ['.venv/', '__pycache__/', '.coverage*', ''].join('\n'),
    ...PACKAGE,
    'src/realpkg/workload.py': workloadModule(options.cpuShare),
    'tests/__init__.py': '',
    'tests/conftest.py': ROOT_CONFTEST,
  };
  for (const area of AREAS) {
    files[`tests/${area}/__init__.py`] = '';
    files[`tests/${area}/conftest.py`] = areaConftest(area);
  }
  for (const file of suite.files) files[file.path] = renderTestModule(file, options.seed);
  return files;
}
