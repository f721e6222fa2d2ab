import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuditLog, type AuditAction } from '@qatron/domain';
import { freePort } from '@qatron/scripts/testing/ports';
import { temporalDatasetValidation } from '../datasets/validation-starter.js';
import { temporalFeatureIngestion } from '../features/ingestion-starter.js';
import { Problem } from '../http/problems.js';
import { startTestApi, type TestApi } from '../testing/harness.js';
import { connectTemporal, type TemporalConnection } from '../temporal.js';
import { failedStartRecorder } from './failed-start.js';

let api: TestApi;
let temporal: TemporalConnection;
const lines: string[] = [];
const origin = { ip: '203.0.113.7', userAgent: 'vitest' };

beforeAll(async () => {
  api = await startTestApi();
  // A port nothing listens on: every start fails to connect, as with Temporal down.
  temporal = connectTemporal(`127.0.0.1:${await freePort()}`, api.config);
});

afterAll(async () => {
  await temporal.close();
  await api.close();
});

async function auditEntry(action: AuditAction): Promise<AuditLog> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    const entry = await api.orm.em.fork().findOne(AuditLog, { action });
    if (entry || Date.now() > deadline) return entry ?? expect.fail(`no ${action} entry within 15 s`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe('background starts that fail', () => {
  const recorder = () => failedStartRecorder(api.orm, (line) => lines.push(line));
  const actor = () => ({ organizationId: api.organization.id, userId: null, name: 'admin' });

  it('are logged in one line and audited: feature ingestion of a new project', async () => {
    temporalFeatureIngestion(temporal, recorder()).startInBackground(41, actor(), origin);
    const entry = await auditEntry('project.feature_ingestion_not_started');
    expect(entry).toMatchObject({ resourceType: 'project', resourceId: '41', actor: 'admin', ipAddress: '203.0.113.7', userAgent: 'vitest' });
    expect(entry.details).toEqual({ workflow_id: 'features-41', reason: expect.any(String) });
    const line = lines.find((l) => l.startsWith('feature ingestion of project 41 could not be started: '));
    expect(line).toBeDefined();
    expect(line).not.toContain('\n');
  });

  it('are logged in one line and audited: validation of an uploaded dataset version', async () => {
    temporalDatasetValidation(temporal, recorder()).startInBackground({ id: 7, dataset: 3, version: 'v2' }, actor(), origin);
    const entry = await auditEntry('dataset.validation_not_started');
    expect(entry).toMatchObject({ resourceType: 'dataset', resourceId: '3' });
    expect(entry.details).toEqual({ version: 'v2', workflow_id: 'dataset-version-7-validation', reason: expect.any(String) });
    expect(lines.filter((l) => l.startsWith('validation of version v2 of dataset 3 could not be started: '))).toHaveLength(1);
  });

  it('answer 503 engine_unavailable when a request waits for them', async () => {
    const failure = await temporalFeatureIngestion(temporal, recorder()).ingest(41, null, 1000).catch((err: unknown) => err);
    expect(failure).toBeInstanceOf(Problem);
    expect(failure).toMatchObject({ status: 503, code: 'engine_unavailable' });
  });
});
