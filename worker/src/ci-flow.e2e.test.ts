import { execFileSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFixtureRepository } from '@qatron/activities/testing/fixture-repo';
import { startEngineStack, type EngineStack } from './testing/stack.js';

/**
 * PRD 17.3 "Trigger Run via CI", option A, in plain HTTP as a pipeline would script it with curl:
 * an admin creates a service token; the pipeline triggers a run with it, polls until the status is
 * final, downloads the artifacts and checks that the Allure report exists.
 */
let stack: EngineStack;
let fixtures: string;

beforeAll(async () => {
  fixtures = await mkdtemp(join(tmpdir(), 'qatron-ci-flow-'));
  stack = await startEngineStack();
  await stack.startWorker({ name: 'ci-worker', env: { WORKER_SHARD_SLOTS: '4' } });
}, 180_000);
afterAll(async () => {
  await stack?.close();
  await rm(fixtures, { recursive: true, force: true });
});

describe('CI integration with a service token (PRD 17.3)', () => {
  it('creates a token, triggers, polls, downloads the artifacts and finds the report', async () => {
    const api = stack.api.url;
    const admin = { authorization: `Bearer ${stack.adminToken}`, 'content-type': 'application/json' };
    const repo = await createFixtureRepository(join(fixtures, 'repo'), { variant: 'green' });
    const project = (await (await fetch(`${api}/api/v1/projects`, { method: 'POST', headers: admin, body: JSON.stringify({ name: 'shop', repo_url: repo.path }) })).json()) as { id: number };
    await fetch(`${api}/api/v1/projects/${project.id}/environments`, { method: 'POST', headers: admin, body: JSON.stringify({ name: 'staging', kind: 'staging' }) });
    await fetch(`${api}/api/v1/projects/${project.id}/suites`, { method: 'POST', headers: admin, body: JSON.stringify({ name: 'smoke', shards: 2 }) });

    // 1. An admin creates the service token once; CI stores it as QATRON_SERVICE_TOKEN.
    const created = await fetch(`${api}/api/v1/auth/service-tokens`, { method: 'POST', headers: admin, body: JSON.stringify({ name: 'GitHub Actions', project_id: project.id }) });
    expect(created.status).toBe(201);
    const serviceToken = ((await created.json()) as { token: string }).token;
    const ci = { authorization: `Bearer ${serviceToken}`, 'content-type': 'application/json' };

    // 2. The pipeline triggers a run with the token.
    const triggered = await fetch(`${api}/api/v1/runs`, { method: 'POST', headers: ci, body: JSON.stringify({ project_id: project.id, suite: 'smoke', environment: 'staging', branch: 'main' }) });
    expect(triggered.status).toBe(201);
    const runId = ((await triggered.json()) as { id: number }).id;

    // 3. It polls until the status is completed, failed or partial_failed (or another final one),
    // and, since it wants the report too, until the report is no longer pending.
    let run: { status: string; report_status: string; triggered_by_name: string; report_url: string | null } | undefined;
    const verdicts: string[] = [];
    for (const deadline = Date.now() + 150_000; Date.now() < deadline; ) {
      run = (await (await fetch(`${api}/api/v1/runs/${runId}`, { headers: ci })).json()) as typeof run;
      const final = ['completed', 'failed', 'partial_failed', 'timed_out', 'infra_failed', 'cancelled'].includes(run!.status);
      if (final) verdicts.push(run!.status);
      if (final && run!.report_status !== 'pending') break;
      await new Promise((r) => setTimeout(r, 1000));
    }
    expect(run?.status).toBe('completed');
    expect(run?.report_status).toBe('ready');
    // A final verdict never changes while the report is being attached.
    expect(new Set(verdicts)).toEqual(new Set(['completed']));
    expect(run?.triggered_by_name).toBe('token:GitHub Actions');

    // 4. It downloads the artifacts and checks that the Allure report exists.
    const zip = await fetch(`${api}/api/v1/runs/${runId}/artifacts/download?kind=all`, { headers: ci });
    expect(zip.status).toBe(200);
    const file = join(fixtures, 'artifacts.zip');
    await writeFile(file, Buffer.from(await zip.arrayBuffer()));
    const names = execFileSync('python3', ['-c', 'import sys,zipfile; print("\\n".join(zipfile.ZipFile(sys.argv[1]).namelist()))', file], { encoding: 'utf8' }).split('\n');
    expect(names).toContain('allure-report/index.html');
    expect(names).toEqual(expect.arrayContaining(['coverage.xml', 'shard-0/junit.xml', 'shard-1/junit.xml']));
    const report = await fetch(api + run!.report_url!);
    expect(report.status).toBe(200);
    expect(await report.text()).toContain('<html');
  });
});
