import { describe, expect, it } from 'vitest';
import { fingerprintFailure, innermostOwnFrame, normalizeFailureMessage } from './fingerprint.js';
import { parseTraceback } from './traceback.js';

/*
 * The failure texts below are pytest 9.2's own (JUnit `<failure>`/`<error>` texts and the progress
 * plugin's crash lines), taken from real runs of a small shop repository; only the worker's venv
 * path was shortened.
 */

const VENV = '/home/qatron/.qatron/worker/venvs/5c1e0a9b7d2f4e8c/lib/python3.11/site-packages';
const CHECKOUT = '/home/qatron/.qatron/worker/checkouts/run-42';

/** `assert status_of(n) == 200` failing for the parameter `n` (a rewritten assert: no `AssertionError: ` in the text). */
const rewrittenAssert = (n: number, line = 12) => ({
  message: `assert ${200 + n} == 200\n +  where ${200 + n} = status_of(${n})`,
  traceback: `n = ${n}

    @pytest.mark.parametrize("n", [1, 2, 3, 4, 5])
    def test_status_is_ok(n):
>       assert status_of(n) == 200
E       assert ${200 + n} == 200
E        +  where ${200 + n} = status_of(${n})

tests/test_status.py:${line}: AssertionError`,
});

/** urllib3 refusing a connection to `port`, called from the repository's client (a chained exception). */
const connectionRefused = (port: number, address = '0x7f1cfe6faf90') => ({
  message: `urllib3.exceptions.NewConnectionError: HTTPConnection(host='127.0.0.1', port=${port}): Failed to establish a new connection: [Errno 111] Connection refused`,
  traceback: `self = <HTTPConnection(host='127.0.0.1', port=${port}) at ${address}>

    def _new_conn(self) -> socket.socket:
        try:
>           sock = connection.create_connection(
                (self._dns_host, self.port),
            )

${VENV}/urllib3/connection.py:239: 
_ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ 

    def create_connection(
        address: tuple[str, int],
    ) -> socket.socket:
        for res in socket.getaddrinfo(host, port, family, socket.SOCK_STREAM):
>               sock.connect(sa)
E               ConnectionRefusedError: [Errno 111] Connection refused

${VENV}/urllib3/util/connection.py:73: ConnectionRefusedError

The above exception was the direct cause of the following exception:

port = ${port}

    @pytest.mark.parametrize("port", [${port}])
    def test_health(port):
>       fetch_health(port)

tests/test_status.py:17: 
_ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ 
src/shop/client.py:6: in fetch_health
    return http.request("GET", f"http://127.0.0.1:{port}/health", timeout=2.0)
           ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^
${VENV}/urllib3/_request_methods.py:135: in request
    return self.request_encode_url(
/root/.pyenv/versions/3.11.7/lib/python3.11/http/client.py:986: in send
    self.connect()
${VENV}/urllib3/connection.py:398: in connect
    self.sock = self._new_conn()
                ^^^^^^^^^^^^^^^^
_ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ 

self = <HTTPConnection(host='127.0.0.1', port=${port}) at ${address}>

    def _new_conn(self) -> socket.socket:
        except OSError as e:
>           raise NewConnectionError(
                self, f"Failed to establish a new connection: {e}"
            ) from e
E           urllib3.exceptions.NewConnectionError: HTTPConnection(host='127.0.0.1', port=${port}): Failed to establish a new connection: [Errno 111] Connection refused

${VENV}/urllib3/connection.py:254: NewConnectionError`,
});

const keyError = {
  message: "KeyError: 'pen'",
  traceback: `def test_price():
>       assert price_of("pen") == 3
               ^^^^^^^^^^^^^^^

tests/test_status.py:25: 
_ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ 

sku = 'pen'

    def price_of(sku):
        prices = {"book": 20}
>       return prices[sku]
               ^^^^^^^^^^^
E       KeyError: 'pen'

src/shop/client.py:11: KeyError`,
};

const explainedAssert = {
  message: 'AssertionError: expected 200, got 500\nassert 500 == 200',
  traceback: `def test_custom():
        resp = 500
>       assert resp == 200, f"expected 200, got {resp}"
E       AssertionError: expected 200, got 500
E       assert 500 == 200

tests/test_status.py:35: AssertionError`,
};

/** The same failure printed with `--tb=short` (a repository's addopts may ask for it). */
const explainedAssertShort = {
  message: explainedAssert.message,
  traceback: `tests/test_status.py:35: in test_custom
    assert resp == 200, f"expected 200, got {resp}"
E   AssertionError: expected 200, got 500
E   assert 500 == 200`,
};

/** A fixture that raises: the test's outcome is `error` (setup). */
const fixtureError = (seconds: string) => ({
  message: `RuntimeError: database at 10.0.0.5:5432 refused the connection after ${seconds}s`,
  traceback: `@pytest.fixture
    def database():
>       raise RuntimeError("database at 10.0.0.5:5432 refused the connection after ${seconds}s")
E       RuntimeError: database at 10.0.0.5:5432 refused the connection after ${seconds}s

tests/conftest.py:6: RuntimeError`,
});

/** The same fixture error with `--tb=native`: absolute paths, pytest's and pluggy's frames included. */
const fixtureErrorNative = {
  message: fixtureError('3.02').message,
  traceback: `Traceback (most recent call last):
  File "${VENV}/_pytest/runner.py", line 344, in from_call
    result: TResult | None = func()
  File "${VENV}/_pytest/fixtures.py", line 1074, in call_fixture_func
    fixture_result = fixturefunc(**kwargs)
                     ^^^^^^^^^^^^^^^^^^^^^
  File "${CHECKOUT}/tests/conftest.py", line 6, in database
    raise RuntimeError("database at 10.0.0.5:5432 refused the connection after 3.02s")
RuntimeError: database at 10.0.0.5:5432 refused the connection after 3.02s`,
};

/** A module that fails to import: the progress plugin's message is pytest's whole collection report. */
const importErrorText = `ImportError while importing test module '${CHECKOUT}/tests/test_broken.py'.
Hint: make sure your test modules/packages have valid Python names.
Traceback:
/root/.pyenv/versions/3.11.7/lib/python3.11/importlib/__init__.py:126: in import_module
    return _bootstrap._gcd_import(name[level:], package, level)
           ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^
tests/test_broken.py:1: in <module>
    import nonexistent_module_xyz
E   ModuleNotFoundError: No module named 'nonexistent_module_xyz'`;

const missingFixture = {
  message: `file ${CHECKOUT}/tests/test_more.py, line 21`,
  traceback: `file ${CHECKOUT}/tests/test_more.py, line 21
  def test_missing(no_such_fixture):
E       fixture 'no_such_fixture' not found
>       available fixtures: base_url, cache, capfd, capsys, monkeypatch, tmp_path
>       use 'pytest --fixtures [testpath]' for help on them.

${CHECKOUT}/tests/test_more.py:21`,
};

const fp = (report: { message: string | null; traceback: string | null }) => fingerprintFailure({ ...report, checkoutDir: CHECKOUT });

describe('fingerprintFailure on real pytest failures', () => {
  it('groups a parametrized assert that fails with different numbers, whatever the line', () => {
    const prints = [1, 2, 3, 4, 5].map((n) => fp(rewrittenAssert(n)));
    expect(new Set(prints.map((p) => p.fingerprint)).size).toBe(1);
    expect(prints[0]).toEqual({ fingerprint: expect.stringMatching(/^[0-9a-f]{16}$/), exceptionType: 'AssertionError', normalizedMessage: 'assert <n> == <n>', frame: 'tests/test_status.py::test_status_is_ok' });
    // An edit above the test moves its line, not its group.
    expect(fp(rewrittenAssert(1, 40)).fingerprint).toBe(prints[0]!.fingerprint);
  });

  it('reads an assert with an explanation the same in long and short traceback styles', () => {
    const long = fp(explainedAssert);
    expect(long).toMatchObject({ exceptionType: 'AssertionError', normalizedMessage: 'expected <n>, got <n>', frame: 'tests/test_status.py::test_custom' });
    expect(fp(explainedAssertShort)).toEqual(long);
    expect(long.fingerprint).not.toBe(fp(rewrittenAssert(1)).fingerprint);
  });

  it('blames the repository frame where a KeyError was raised, not the test that called it', () => {
    expect(fp(keyError)).toMatchObject({ exceptionType: 'KeyError', normalizedMessage: "'pen'", frame: 'src/shop/client.py::price_of' });
  });

  it('groups refused connections to different ports and objects at different addresses, at the repository client that made them', () => {
    const prints = [8081, 8082, 59123].map((port, i) => fp(connectionRefused(port, `0x7f1cfe6fa${i}90`)));
    expect(new Set(prints.map((p) => p.fingerprint)).size).toBe(1);
    expect(prints[0]).toMatchObject({
      exceptionType: 'urllib3.exceptions.NewConnectionError',
      normalizedMessage: "HTTPConnection(host='<ip>', port=<n>): Failed to establish a new connection: [Errno <n>] Connection refused",
      frame: 'src/shop/client.py::fetch_health',
    });
  });

  it("groups requests' ConnectionError messages alone (no traceback) by their masked text", () => {
    const requests = (port: number, address: string, orderId: number) => ({
      message: `requests.exceptions.ConnectionError: HTTPConnectionPool(host='localhost', port=${port}): Max retries exceeded with url: /api/orders/${orderId} (Caused by NewConnectionError('<urllib3.connection.HTTPConnection object at ${address}>: Failed to establish a new connection: [Errno 111] Connection refused'))`,
      traceback: null,
    });
    const a = fp(requests(8081, '0x7f3b2c1d0e50', 42));
    const b = fp(requests(8443, '0x7fa01e9c3b10', 1337));
    expect(a).toEqual(b);
    expect(a).toMatchObject({
      exceptionType: 'requests.exceptions.ConnectionError',
      normalizedMessage:
        "HTTPConnectionPool(host='localhost', port=<n>): Max retries exceeded with url: /api/orders/<n> (Caused by NewConnectionError('<urllib3.connection.HTTPConnection object at <addr>>: Failed to establish a new connection: [Errno <n>] Connection refused'))",
      frame: null,
    });
  });

  it('masks durations and addresses in timeouts', () => {
    const timeout = (seconds: string, host: string) => ({
      message: `TimeoutError: operation timed out after ${seconds} waiting for http://${host}:8443/ready`,
      traceback: `def test_timeout():
>       raise TimeoutError("operation timed out after ${seconds} waiting for http://${host}:8443/ready")
E       TimeoutError: operation timed out after ${seconds} waiting for http://${host}:8443/ready

tests/test_more.py:18: TimeoutError`,
    });
    const a = fp(timeout('2.53s', '10.1.2.3'));
    expect(a).toMatchObject({ exceptionType: 'TimeoutError', normalizedMessage: 'operation timed out after <duration> waiting for http://<ip>:<n>/ready', frame: 'tests/test_more.py::test_timeout' });
    expect(fp(timeout('30 seconds', '10.1.2.4')).fingerprint).toBe(a.fingerprint);
    expect(normalizeFailureMessage("requests.exceptions.ReadTimeout: HTTPConnectionPool(host='api.internal', port=443): Read timed out. (read timeout=5.0)")).toBe(
      "requests.exceptions.ReadTimeout: HTTPConnectionPool(host='api.internal', port=<n>): Read timed out. (read timeout=<n>)",
    );
    expect(normalizeFailureMessage('Failed: Timeout >1500ms')).toBe('Failed: Timeout ><duration>');
  });

  it("masks pytest's tmp_path, tempfile directories, UUIDs and timestamps", () => {
    expect(normalizeFailureMessage('FileNotFoundError: no such file /tmp/pytest-of-root/pytest-3/test_tmp0/359973b8-2ee0-415c-9eb3-2db4788bf2c5.json')).toBe('FileNotFoundError: no such file <tmp>');
    expect(normalizeFailureMessage("FileNotFoundError: [Errno 2] No such file or directory: '/tmp/tmpab12cd34/config.yaml'")).toBe("FileNotFoundError: [Errno <n>] No such file or directory: '<tmp>'");
    expect(normalizeFailureMessage('no report in /private/var/folders/x1/abc_123/T/pytest-of-ci/pytest-12/test_report0')).toBe('no report in <tmp>');
    const lookup = (id: string, at: string) => ({
      message: `LookupError: order ${id} not found at ${at}`,
      traceback: `self = <test_more.TestOrders object at 0x7fbbf4b460d0>

    def test_order_lookup(self):
        order_id = uuid.uuid4()
>       raise LookupError(f"order {order_id} not found at {at}")
E       LookupError: order ${id} not found at ${at}

tests/test_more.py:9: LookupError`,
    });
    const a = fp(lookup('359973b8-2ee0-415c-9eb3-2db4788bf2c5', '2026-12-06T20:31:31.995791+00:00'));
    expect(a).toMatchObject({ exceptionType: 'LookupError', normalizedMessage: 'order <uuid> not found at <timestamp>', frame: 'tests/test_more.py::test_order_lookup' });
    expect(fp(lookup('0b7e6f1a-9c4d-4e2b-8a51-7d3c2e1f0a9b', '2026-12-07 03:02:01')).fingerprint).toBe(a.fingerprint);
  });

  it('masks parametrized ids, hex ids and numbers, but not digits inside names', () => {
    expect(normalizeFailureMessage('no fixture data for test_login[admin-chrome-42]')).toBe(normalizeFailureMessage('no fixture data for test_login[guest-firefox]'));
    expect(normalizeFailureMessage('Failed: checkout returned 502 for cart 8f3a9c2e41d7')).toBe('Failed: checkout returned <n> for cart <hex>');
    expect(normalizeFailureMessage("UnicodeDecodeError: 'utf8' codec can't decode byte 0xff in position 17: invalid start byte")).toBe(
      "UnicodeDecodeError: 'utf8' codec can't decode byte <addr> in position <n>: invalid start byte",
    );
    expect(normalizeFailureMessage('sha256 mismatch in test_2 for step_10: -3 != 4.5e-3')).toBe('sha256 mismatch in test_2 for step_10: <n> != <n>');
  });

  it('fingerprints a fixture error (outcome error) at the fixture, the same in long and native tracebacks', () => {
    const long = fp(fixtureError('3.02'));
    expect(long).toMatchObject({ exceptionType: 'RuntimeError', normalizedMessage: 'database at <ip>:<n> refused the connection after <duration>', frame: 'tests/conftest.py::database' });
    expect(fp(fixtureError('10.5')).fingerprint).toBe(long.fingerprint);
    expect(fp(fixtureErrorNative)).toEqual(long);
  });

  it('fingerprints a module that fails to import at the module', () => {
    expect(fp({ message: importErrorText, traceback: importErrorText })).toMatchObject({
      exceptionType: 'ModuleNotFoundError',
      normalizedMessage: "No module named 'nonexistent_module_xyz'",
      frame: 'tests/test_broken.py::<module>',
    });
  });

  it("names pytest's missing fixture error", () => {
    expect(fp(missingFixture)).toMatchObject({ exceptionType: 'FixtureLookupError', normalizedMessage: "fixture 'no_such_fixture' not found", frame: 'tests/test_more.py::test_missing' });
  });

  it('tells different causes apart', () => {
    const prints = [fp(rewrittenAssert(1)), fp(explainedAssert), fp(keyError), fp(connectionRefused(1)), fp(fixtureError('1')), fp({ message: importErrorText, traceback: importErrorText })];
    expect(new Set(prints.map((p) => p.fingerprint)).size).toBe(prints.length);
    // The same message raised in another function is another cause.
    const elsewhere = fp({ ...rewrittenAssert(1), traceback: rewrittenAssert(1).traceback.replace('def test_status_is_ok', 'def test_status_after_login') });
    expect(elsewhere.frame).toBe('tests/test_status.py::test_status_after_login');
    expect(elsewhere.fingerprint).not.toBe(prints[0]!.fingerprint);
  });

  it('falls back on the message alone when there is no traceback', () => {
    expect(fingerprintFailure({ message: 'assert 3 == 4', traceback: null })).toMatchObject({ exceptionType: 'AssertionError', normalizedMessage: 'assert <n> == <n>', frame: null });
    expect(fingerprintFailure({ message: "KeyError: 'sku-19'", traceback: null })).toMatchObject({ exceptionType: 'KeyError', normalizedMessage: "'sku-<n>'" });
    expect(fingerprintFailure({ message: 'pytest exited with code 1 although no test failed', traceback: null })).toMatchObject({ exceptionType: null, normalizedMessage: 'pytest exited with code <n> although no test failed' });
    expect(fingerprintFailure({ message: null, traceback: null })).toMatchObject({ exceptionType: null, normalizedMessage: '', frame: null });
  });
});

describe('innermostOwnFrame', () => {
  const frame = (path: string, fn = 'f') => ({ path, line: 1, function: fn });

  it("skips the standard library, site-packages, virtualenvs and paths outside the checkout", () => {
    const frames = [frame('tests/test_api.py', 'test_api'), frame('src/shop/api.py', 'call'), frame('.venv/lib/python3.12/site-packages/requests/api.py'), frame('../venvs/abc/lib/python3.12/x.py'), frame('/usr/lib/python3.12/socket.py'), frame('<frozen importlib._bootstrap>')];
    expect(innermostOwnFrame(frames)).toEqual(frame('src/shop/api.py', 'call'));
    expect(innermostOwnFrame([frame(`${CHECKOUT}/tests/test_x.py`, 'test_x'), frame(`${VENV}/y.py`)], CHECKOUT)).toEqual(frame('tests/test_x.py', 'test_x'));
    expect(innermostOwnFrame([frame('/usr/lib/python3.12/socket.py')], CHECKOUT)).toBeNull();
  });
});

describe('parseTraceback', () => {
  it("names a long-style frame by its own def, not a function defined inside it", () => {
    const text = `def test_retries():
        def flaky_call():
            return 1
    
        for attempt in range(3):
>           assert flaky_call() == 2
E           assert 1 == 2

tests/test_retry.py:7: AssertionError`;
    expect(parseTraceback(text).frames).toEqual([{ path: 'tests/test_retry.py', line: 7, function: 'test_retries' }]);
  });

  it('reads the frames of the last exception of a chain, outermost first, with their functions', () => {
    const parsed = parseTraceback(connectionRefused(1).traceback);
    expect(parsed.frames.map((f) => [f.path.replace(VENV, '…'), f.line, f.function])).toEqual([
      ['tests/test_status.py', 17, 'test_health'],
      ['src/shop/client.py', 6, 'fetch_health'],
      ['…/urllib3/_request_methods.py', 135, 'request'],
      ['/root/.pyenv/versions/3.11.7/lib/python3.11/http/client.py', 986, 'send'],
      ['…/urllib3/connection.py', 398, 'connect'],
      ['…/urllib3/connection.py', 254, '_new_conn'],
    ]);
    expect(parsed.exceptionType).toBe('urllib3.exceptions.NewConnectionError');
  });
});
