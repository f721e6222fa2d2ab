import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { AuditLog, RunSchedule } from '@qatron/domain';
import { buildEnvironment, buildProject, buildSuite } from '@qatron/domain/testing';
import { freshTemporalNamespace, temporalSchedulePaused } from '@qatron/api/schedules/testing/temporal-namespace';
import { startTestApi, type TestApi } from '@qatron/api/testing/harness';
import { runQatronAs } from '../testing/bin.js';

let api: TestApi;
let home: string;
let user: string;
let viewer: string;
let address: string;
let namespace: string;

beforeAll(async () => {
  address = inject('temporalAddress');
  namespace = await freshTemporalNamespace(address);
  api = await startTestApi({ TEMPORAL_ADDRESS: address, TEMPORAL_NAMESPACE: namespace });
  home = await mkdtemp(join(tmpdir(), 'qatron-cli-schedules-'));
  ({ token: user } = await api.userWithToken('user'));
  ({ token: viewer } = await api.userWithToken('viewer'));
  const project = await buildProject(api.orm.em.fork(), { organization: api.organization, name: 'shop' });
  await buildSuite(api.orm.em.fork(), { project, name: 'nightly' });
  await buildEnvironment(api.orm.em.fork(), { project, name: 'staging' });
}, 60_000);
afterAll(async () => {
  await rm(home, { recursive: true, force: true });
  await api?.close();
});

/** The real bin as a subprocess, signed in through the environment. */
const qatron = (args: string[], token = user) => runQatronAs(args, { home, apiUrl: api.url, token });
const pausedInTemporal = (id: number) => temporalSchedulePaused(address, namespace, id);

describe('qatron schedules', () => {
  it('creates, lists, pauses, resumes and deletes a schedule, each reaching its Temporal Schedule', async () => {
    const created = await qatron(['schedules', 'create', '--suite', 'nightly', '--project', 'shop', '--env', 'staging', '--cron', '0 2 * * *', '--timezone', 'Europe/Berlin', '--output', 'json']);
    expect(created.stderr).toBe('');
    expect(created.code).toBe(0);
    const schedule = JSON.parse(created.stdout);
    expect(schedule).toMatchObject({ suite_name: 'nightly', environment_name: 'staging', cron: '0 2 * * *', timezone: 'Europe/Berlin', branch: 'main', paused: false, next_run_at: expect.any(String) });

    const hourly = await qatron(['schedules', 'create', '--suite', 'nightly', '--project', 'shop', '--env', 'staging', '--every', '1h', '--branch', 'develop', '--paused']);
    expect(hourly.code).toBe(0);
    expect(hourly.stdout).toMatch(/^Schedule \d+ paused: nightly on staging \(develop\) every 1h UTC; next run -\n$/);

    const listed = await qatron(['schedules', 'list', '--suite', 'nightly', '--project', 'shop'], viewer);
    expect(listed.code).toBe(0);
    const lines = listed.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^ID\s+WHEN\s+TIMEZONE\s+ENVIRONMENT\s+BRANCH\s+STATE\s+NEXT RUN\s*$/);
    expect(lines[1]).toMatch(new RegExp(`^${schedule.id}\\s+0 2 \\* \\* \\*\\s+Europe/Berlin\\s+staging\\s+main\\s+active\\s+\\d{4}-`));
    expect(lines[2]).toMatch(/every 1h\s+UTC\s+staging\s+develop\s+paused\s+-\s*$/);

    expect(await qatron(['schedules', 'pause', String(schedule.id)])).toEqual({ code: 0, stdout: `Schedule ${schedule.id} paused\n`, stderr: '' });
    expect(await pausedInTemporal(schedule.id)).toBe(true);
    const resumed = await qatron(['schedules', 'resume', String(schedule.id)]);
    expect(resumed.stdout).toMatch(new RegExp(`^Schedule ${schedule.id} active; next run \\d{4}-`));
    expect(await pausedInTemporal(schedule.id)).toBe(false);

    expect(await qatron(['schedules', 'delete', String(schedule.id)])).toEqual({ code: 0, stdout: `Deleted schedule ${schedule.id}\n`, stderr: '' });
    expect(await api.orm.em.fork().findOne(RunSchedule, { id: schedule.id })).toBeNull();
    const audited = await api.orm.em.fork().find(AuditLog, { resourceType: 'schedule', resourceId: String(schedule.id) }, { orderBy: { id: 'asc' } });
    expect(audited.map((e) => e.action)).toEqual(['schedule.created', 'schedule.paused', 'schedule.resumed', 'schedule.deleted']);
  }, 60_000);

  it('refuses bad usage and a cron expression the API refuses (exit 3, saying why), and a viewer', async () => {
    const both = await qatron(['schedules', 'create', '--suite', 'nightly', '--project', 'shop', '--env', 'staging', '--cron', '0 2 * * *', '--every', '1h']);
    expect(both.code).toBe(3);
    expect(both.stderr).toContain('give --cron or --every (one of them)');
    const every = await qatron(['schedules', 'create', '--suite', 'nightly', '--project', 'shop', '--env', 'staging', '--every', 'hourly']);
    expect(every.code).toBe(3);
    expect(every.stderr).toContain('--every takes a whole number with a unit s, m, h or d');
    const cron = await qatron(['schedules', 'create', '--suite', 'nightly', '--project', 'shop', '--env', 'staging', '--cron', '0 25 * * *']);
    // The API's 422 is the caller's mistake, which the CLI exits 3 for, as for its own usage errors.
    expect(cron.code).toBe(3);
    expect(cron.stderr).toContain('cron: hour "25" is out of range (0-23)');
    const viewerCreate = await qatron(['schedules', 'create', '--suite', 'nightly', '--project', 'shop', '--env', 'staging', '--every', '1d'], viewer);
    expect(viewerCreate.code).not.toBe(0);
    expect(await qatron(['schedules', 'pause', 'nightly'])).toMatchObject({ code: 3 });
  }, 60_000);
});
