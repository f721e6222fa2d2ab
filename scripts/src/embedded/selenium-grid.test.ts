import { chmod, mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError } from '@qatron/domain';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { detectGrid, gridConfigToml, gridSettings, javaMajor, type GridMachine } from './selenium-grid.js';

/**
 * What `npm start` does about a Selenium Grid (issue 16 item 1): its settings, the one-line
 * reasons a machine cannot run one, and the configuration it writes. Stand-in programs on PATH play
 * a missing or wrong Java and chromedriver; the real ones are run by selenium-grid.int.test.ts.
 */
let bin: string;

beforeAll(async () => {
  bin = await mkdtemp(join(tmpdir(), 'qatron-grid-path-'));
});
afterAll(async () => {
  await rm(bin, { recursive: true, force: true });
});

/** A program in its own PATH directory that prints `output` to stderr, as `java -version` does. */
async function standIn(dir: string, name: string, output: string): Promise<void> {
  await mkdir(join(bin, dir), { recursive: true });
  const file = join(bin, dir, name);
  await writeFile(file, `#!/bin/sh\necho '${output}' >&2\n`);
  await chmod(file, 0o755);
}

describe('gridSettings', () => {
  it('starts an embedded Grid on 4444 with 2 sessions unless told otherwise', () => {
    expect(gridSettings({})).toEqual({ mode: 'embedded', port: 4444, sessions: 2, name: 'local' });
    expect(gridSettings({ QATRON_GRID: 'on', QATRON_GRID_PORT: '4555', QATRON_GRID_SESSIONS: '4' })).toEqual({ mode: 'embedded', port: 4555, sessions: 4, name: 'local' });
  });

  it('is off with QATRON_GRID=off, and uses QATRON_GRID_URL instead of starting one', () => {
    expect(gridSettings({ QATRON_GRID: 'off' })).toEqual({ mode: 'off' });
    expect(gridSettings({ QATRON_GRID_URL: 'http://grid.test:4444/', QATRON_GRID_NAME: 'shared' })).toEqual({ mode: 'external', url: 'http://grid.test:4444', name: 'shared' });
  });

  it('refuses bad values with a message naming the variable', () => {
    expect(() => gridSettings({ QATRON_GRID: 'maybe' })).toThrow(new ConfigError('Invalid configuration: QATRON_GRID: must be on or off, not "maybe"'));
    expect(() => gridSettings({ QATRON_GRID_SESSIONS: '0' })).toThrow('QATRON_GRID_SESSIONS: must be a whole number from 1 to 64, not "0"');
    expect(() => gridSettings({ QATRON_GRID_PORT: 'http' })).toThrow('QATRON_GRID_PORT: must be a whole number from 1 to 65535');
    expect(() => gridSettings({ QATRON_GRID_URL: 'grid:4444' })).toThrow('QATRON_GRID_URL: must be an http:// or https:// URL, not "grid:4444"');
  });
});

describe('detectGrid', () => {
  it('says in one line that Java is missing when PATH has none', async () => {
    await standIn('nothing', 'true', '');
    expect(await detectGrid({ PATH: join(bin, 'nothing') })).toEqual({
      ok: false,
      reason: 'no java on PATH (Selenium Grid needs Java 11+; Debian: apt-get install openjdk-17-jre-headless)',
    });
  });

  it('refuses a Java older than 11', async () => {
    await standIn('java8', 'java', 'openjdk version "1.8.0_292"');
    expect(await detectGrid({ PATH: join(bin, 'java8') })).toEqual({ ok: false, reason: `${join(bin, 'java8', 'java')} is Java 8; Selenium Grid needs Java 11+` });
  });

  it('refuses a chromedriver that does not match Chromium', async () => {
    await standIn('olddriver', 'chromedriver', 'ChromeDriver 120.0.6099.109 (abc)');
    await symlink('/usr/bin/java', join(bin, 'olddriver', 'java'));
    const detection = await detectGrid({ PATH: join(bin, 'olddriver') });
    expect(detection.ok).toBe(false);
    expect(detection.ok || detection.reason).toMatch(/^chromedriver 120\.0\.6099\.109 does not drive Chromium \d+\.\d+\.\d+\.\d+ \(install matching versions\)$/);
  });

  it('reads Java major versions of both numbering schemes', () => {
    expect(javaMajor('openjdk version "17.0.15" 2025-04-15')).toBe(17);
    expect(javaMajor('java version "1.8.0_292"')).toBe(8);
    expect(javaMajor('openjdk version "21" 2023-09-19')).toBe(21);
    expect(javaMajor('no version here')).toBeUndefined();
  });
});

describe('gridConfigToml', () => {
  it('names only the configured Chromium, its version and the session count', () => {
    const machine: GridMachine = { java: '/usr/bin/java', javaMajor: 17, jar: '/x.jar', seleniumVersion: '4.48.0', chromium: '/usr/bin/chromium', chromiumVersion: '156.0.8078.114', chromedriver: '/usr/bin/chromedriver' };
    const toml = gridConfigToml(machine, 3);
    expect(toml).toContain('override-max-sessions = true\nmax-sessions = 3\nsession-timeout = 180');
    expect(toml).toContain('session-request-timeout = 600');
    expect(toml).toContain('webdriver-executable = "/usr/bin/chromedriver"');
    expect(toml).toContain('stereotype = "{\\"browserName\\":\\"chrome\\",\\"browserVersion\\":\\"156.0.8078.114\\",\\"goog:chromeOptions\\":{\\"binary\\":\\"/usr/bin/chromium\\"}}"');
  });
});
