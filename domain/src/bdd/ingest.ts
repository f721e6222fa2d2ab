import type { EntityManager } from '@mikro-orm/postgresql';
import { MikroORM } from '@mikro-orm/postgresql';
import type { FeatureParseError, ScenarioExamples, ScenarioMatch, ScenarioType } from '../entities/feature.js';
import { parseFeatureFile, type FeatureFileError, type ParsedFeature, type ParsedScenario } from './parse.js';
import { normalizeFeaturePath, sha256Hex } from './stable-id.js';

/**
 * Applies one repository snapshot of feature files to the index (PRD 14.1, 14.4; FR-BDD-01/02).
 *
 * History lives on the scenario *row*: a scenario found again keeps its row id (and so its
 * ScenarioResults) and takes the stable id of the current commit. PRD 14.2 ids change when a
 * scenario moves or is renamed; matching by name and by steps is what lets history follow it,
 * and `matched_by` records which rule found it.
 *
 * Everything runs in one transaction, with bulk statements (`jsonb_to_recordset` over one JSON
 * parameter per table), so the cost is a handful of round trips whatever the number of files.
 */

export interface FeatureFile {
  /** Relative to the repository root. */
  path: string;
  content: string;
}

export interface FeatureSnapshot {
  organizationId: number;
  projectId: number;
  /** The commit the files were read at (recorded on each feature as `indexedCommit`). */
  commit: string | null;
  files: readonly FeatureFile[];
  /**
   * True when `files` is every `.feature` file of the repository at `commit`: features missing
   * from it are then deactivated. False for a partial update, which deactivates nothing.
   */
  complete: boolean;
}

export interface IngestSummary {
  /** Files in the snapshot. */
  files: number;
  /** Files parsed because they are new or changed. */
  parsed: number;
  /** Files skipped because their content hash is the stored one. */
  unchanged: number;
  /** Files that do not parse, changed or not: the index keeps their previous scenarios. */
  errors: FeatureFileError[];
  /** Scenario rows created. */
  added: number;
  /** Scenarios found again with something changed (place, name, steps, tags, examples, reactivation). */
  updated: number;
  /** Scenarios of parsed files found again exactly as they were. */
  unchangedScenarios: number;
  /** Scenarios deactivated: removed from their file, or their file removed. */
  deactivated: number;
  /** Pickles (scenarios and outline rows) of the parsed files. */
  pickles: number;
}

interface StoredFeature {
  id: number;
  path: string;
  content_hash: string;
  is_active: boolean;
  parse_error: FeatureParseError | null;
}

interface StoredScenario {
  id: number;
  feature_id: number;
  stable_id: string;
  name: string;
  type: ScenarioType;
  rule: string | null;
  tags: string[];
  line_start: number;
  line_end: number;
  examples: ScenarioExamples[];
  steps_hash: string;
  is_active: boolean;
  matched_by: ScenarioMatch;
}

interface StoredStep {
  scenario_id: number;
  keyword: string;
  text: string;
  data_table: string[][] | null;
  doc_string: string | null;
}

/** A parsed scenario and the stored row it was matched to, if any. */
interface Placement {
  featureId: number;
  scenario: ParsedScenario;
  row: StoredScenario | null;
  matchedBy: ScenarioMatch;
}

/** Serialises concurrent ingestions of one project (a run's re-index and an on-demand one). */
const INGEST_LOCK_NAMESPACE = 0x6264;

/** Rows per bulk statement: bounds the size of one JSON parameter. */
const CHUNK = 5000;

function chunks<T>(items: readonly T[], size = CHUNK): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

const json = (value: unknown) => JSON.stringify(value);

/** JSON with object keys sorted: jsonb gives keys back in its own order, so compare this way. */
function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) : v,
  );
}

function stepSignature(step: { keyword: string; text: string; dataTable: string[][] | null; docString: string | null }): string {
  return json([step.keyword, step.text, step.dataTable, step.docString]);
}

function sameScenario(row: StoredScenario, placement: Placement): boolean {
  const s = placement.scenario;
  return (
    row.is_active &&
    row.feature_id === placement.featureId &&
    row.stable_id === s.stableId &&
    row.name === s.name &&
    row.type === s.type &&
    row.rule === s.rule &&
    row.line_start === s.lineStart &&
    row.line_end === s.lineEnd &&
    row.steps_hash === s.stepsHash &&
    json(row.tags) === json(s.tags) &&
    canonicalJson(row.examples) === canonicalJson(s.examples)
  );
}

/**
 * Finds stored rows for parsed scenarios, one rule at a time over every scenario, so that an
 * exact id always wins over a looser rule: first `stable_id`, then `name` (same feature: it moved
 * within its file), then `steps` (same feature: renamed), then `moved_file` (same name and steps
 * in a file that disappeared). Among several candidates the nearest by line wins.
 */
function matchScenarios(
  parsed: Array<{ featureId: number; previousFeatureId: number | null; scenarios: ParsedScenario[] }>,
  storedByFeature: Map<number, StoredScenario[]>,
  disappeared: StoredScenario[],
): Placement[] {
  const claimed = new Set<number>();
  const placements: Placement[] = parsed.flatMap((file) => file.scenarios.map((scenario) => ({ featureId: file.featureId, scenario, row: null, matchedBy: 'new' as ScenarioMatch })));
  const previousOf = new Map(parsed.flatMap((file) => file.scenarios.map((s) => [s, file.previousFeatureId] as const)));

  const pass = (rule: ScenarioMatch, candidatesOf: (p: Placement) => readonly StoredScenario[], fits: (row: StoredScenario, s: ParsedScenario) => boolean) => {
    for (const placement of placements) {
      if (placement.row) continue;
      let best: StoredScenario | null = null;
      for (const row of candidatesOf(placement)) {
        if (claimed.has(row.id) || !fits(row, placement.scenario)) continue;
        const distance = Math.abs(row.line_start - placement.scenario.lineStart);
        if (!best || Number(row.is_active) > Number(best.is_active) || (row.is_active === best.is_active && distance < Math.abs(best.line_start - placement.scenario.lineStart))) best = row;
      }
      if (best) {
        claimed.add(best.id);
        placement.row = best;
        placement.matchedBy = rule;
      }
    }
  };
  const sameFeature = (p: Placement) => {
    const previous = previousOf.get(p.scenario);
    return previous === null || previous === undefined ? [] : (storedByFeature.get(previous) ?? []);
  };
  pass('stable_id', sameFeature, (row, s) => row.stable_id === s.stableId);
  pass('name', sameFeature, (row, s) => row.name === s.name);
  pass('steps', sameFeature, (row, s) => row.steps_hash === s.stepsHash);
  pass('moved_file', () => disappeared, (row, s) => row.name === s.name && row.steps_hash === s.stepsHash);
  return placements;
}

/**
 * Indexes one snapshot of a project's feature files; see the module comment. Accepts an
 * EntityManager (its transaction is used, or one is opened) or the ORM (a fork is used).
 */
export async function ingestFeatureFiles(db: EntityManager | MikroORM, snapshot: FeatureSnapshot): Promise<IngestSummary> {
  const em = db instanceof MikroORM ? db.em.fork() : db;
  return em.transactional((tem) => ingestInTransaction(tem as EntityManager, snapshot));
}

/** What every statement of one ingestion writes with: the transaction, the project, the commit and the time. */
interface Ingestion {
  em: EntityManager;
  organizationId: number;
  projectId: number;
  commit: string | null;
  now: string;
}

/** The snapshot's files sorted by what ingesting does with them. */
interface SortedFiles {
  /** New or changed files that parse. */
  parsed: Array<{ stored: StoredFeature | undefined; feature: ParsedFeature; hash: string }>;
  /** New or changed files that do not parse. */
  broken: Array<{ stored: StoredFeature | undefined; error: FeatureFileError; hash: string }>;
  /** Features whose file is unchanged: only their indexed commit moves. */
  untouchedIds: number[];
}

/** The scenarios matching may reuse, and those that disappeared with their file. */
interface CandidateScenarios {
  stored: StoredScenario[];
  byFeature: Map<number, StoredScenario[]>;
  goneFeatureIds: Set<number>;
  disappeared: StoredScenario[];
}

/** What to write for the matched scenarios. */
interface ScenarioWrites {
  updates: Array<Record<string, unknown>>;
  inserts: Placement[];
  stepsToRewrite: Array<{ scenarioId: number; scenario: ParsedScenario }>;
}

async function ingestInTransaction(em: EntityManager, snapshot: FeatureSnapshot): Promise<IngestSummary> {
  const { organizationId, projectId, commit } = snapshot;
  await em.execute('select pg_advisory_xact_lock(?, ?)', [INGEST_LOCK_NAMESPACE, projectId]);

  const summary: IngestSummary = { files: 0, parsed: 0, unchanged: 0, errors: [], added: 0, updated: 0, unchangedScenarios: 0, deactivated: 0, pickles: 0 };

  // The snapshot, by normalised path; a path given twice counts once (the last content wins).
  const files = new Map<string, string>();
  for (const file of snapshot.files) files.set(normalizeFeaturePath(file.path), file.content);
  summary.files = files.size;

  const storedFeatures: StoredFeature[] = await em.execute('select id, path, content_hash, is_active, parse_error from features where project_id = ?', [projectId]);
  const sorted = sortFiles(files, storedFeatures, summary);
  const removedFeatures = snapshot.complete ? storedFeatures.filter((f) => f.is_active && !files.has(f.path)) : [];

  const ingestion: Ingestion = { em, organizationId, projectId, commit, now: new Date().toISOString() };
  const featureIdByPath = await writeFeatures(ingestion, sorted, removedFeatures);

  const inactiveFeatureIds = storedFeatures.filter((f) => !f.is_active && !files.has(f.path)).map((f) => f.id);
  const candidates = await loadCandidateScenarios(ingestion, sorted, removedFeatures, inactiveFeatureIds);
  const placements = matchScenarios(
    sorted.parsed.map(({ stored, feature }) => ({ featureId: featureIdByPath.get(feature.path)!, previousFeatureId: stored?.id ?? null, scenarios: feature.scenarios })),
    candidates.byFeature,
    candidates.disappeared,
  );

  const matchedIds = placements.flatMap((p) => (p.row ? [p.row.id] : []));
  const storedSteps = await loadStepSignatures(em, matchedIds);
  const writes = planScenarioWrites(placements, storedSteps, summary);
  await updateScenarios(ingestion, writes.updates);
  summary.added += await insertScenarios(ingestion, writes.inserts, writes.stepsToRewrite);
  await rewriteSteps(em, writes.stepsToRewrite, storedSteps);
  summary.deactivated = await deactivateMissingScenarios(ingestion, candidates, new Set(matchedIds), sorted);
  return summary;
}

/**
 * Sorts the snapshot's files into unchanged ones (content hash as stored), parsed ones and broken
 * ones, counting them in `summary`; a stored parse error of an unchanged file is reported again.
 */
function sortFiles(files: Map<string, string>, storedFeatures: StoredFeature[], summary: IngestSummary): SortedFiles {
  const featureByPath = new Map(storedFeatures.map((f) => [f.path, f]));
  const sorted: SortedFiles = { parsed: [], broken: [], untouchedIds: [] };
  for (const [path, content] of files) {
    const hash = sha256Hex(content);
    const stored = featureByPath.get(path);
    if (stored && stored.content_hash === hash && stored.is_active) {
      summary.unchanged++;
      sorted.untouchedIds.push(stored.id);
      if (stored.parse_error) summary.errors.push({ path, line: stored.parse_error.line, message: stored.parse_error.message });
      continue;
    }
    const result = parseFeatureFile(path, content);
    if (result.ok) {
      sorted.parsed.push({ stored, feature: result.feature, hash });
      summary.parsed++;
      summary.pickles += result.feature.pickleCount;
    } else {
      sorted.broken.push({ stored, error: result.error, hash });
      summary.errors.push(result.error);
    }
  }
  return sorted;
}

/**
 * Writes the feature rows first, since new files need ids before their scenarios can point at
 * them: inserts the new, updates the changed, moves the unchanged to the commit and deactivates
 * the removed. Returns the id of every parsed or broken file, by path.
 */
async function writeFeatures(ingestion: Ingestion, sorted: SortedFiles, removedFeatures: StoredFeature[]): Promise<Map<string, number>> {
  const { em, commit, now } = ingestion;
  const featureRows = [
    ...sorted.parsed.map(({ stored, feature, hash }) => ({ id: stored?.id ?? null, path: feature.path, name: feature.name, description: feature.description, tags: feature.tags, language: feature.language, content_hash: hash, parse_error: null })),
    ...sorted.broken.map(({ stored, error, hash }) => ({ id: stored?.id ?? null, path: error.path, name: null, description: null, tags: null, language: null, content_hash: hash, parse_error: { line: error.line, message: error.message } })),
  ];
  const featureIdByPath = await insertFeatures(ingestion, featureRows.filter((f) => f.id === null));
  const changedFeatures = featureRows.filter((f) => f.id !== null);
  for (const batch of chunks(changedFeatures)) {
    // A broken file keeps its previous name, tags and scenarios: only the error and hash change.
    await em.execute(
      `update features f set updated_at = ?::timestamptz, name = coalesce(x.name, f.name), description = coalesce(x.description, f.description),
         tags = coalesce(x.tags, f.tags), language = coalesce(x.language, f.language), content_hash = x.content_hash, is_active = true,
         parse_error = x.parse_error, indexed_commit = ?
       from jsonb_to_recordset(?::jsonb) as x(id int, name text, description text, tags jsonb, language text, content_hash text, parse_error jsonb)
       where f.id = x.id`,
      [now, commit, json(batch)],
    );
    for (const row of batch) featureIdByPath.set(row.path, row.id!);
  }
  if (sorted.untouchedIds.length > 0) {
    await em.execute('update features set indexed_commit = ? where id = any(?::int[])', [commit, `{${sorted.untouchedIds.join(',')}}`]);
  }
  if (removedFeatures.length > 0) {
    await em.execute('update features set is_active = false, updated_at = ?::timestamptz where id = any(?::int[])', [now, `{${removedFeatures.map((f) => f.id).join(',')}}`]);
  }
  return featureIdByPath;
}

/** Inserts the features of new files; returns their ids by path. */
async function insertFeatures(ingestion: Ingestion, newFeatures: Array<{ path: string }>): Promise<Map<string, number>> {
  const { em, organizationId, projectId, commit, now } = ingestion;
  const featureIdByPath = new Map<string, number>();
  for (const batch of chunks(newFeatures)) {
    const inserted: Array<{ id: number; path: string }> = await em.execute(
      `insert into features (created_at, updated_at, organization_id, project_id, path, name, description, tags, language, content_hash, is_active, parse_error, indexed_commit)
       select ?::timestamptz, ?::timestamptz, ?, ?, x.path, coalesce(x.name, ''), coalesce(x.description, ''), coalesce(x.tags, '[]'::jsonb), coalesce(x.language, 'en'), x.content_hash, true, x.parse_error, ?
       from jsonb_to_recordset(?::jsonb) as x(path text, name text, description text, tags jsonb, language text, content_hash text, parse_error jsonb)
       returning id, path`,
      [now, now, organizationId, projectId, commit, json(batch)],
    );
    for (const row of inserted) featureIdByPath.set(row.path, row.id);
  }
  return featureIdByPath;
}

/**
 * Stored scenarios that matching may reuse: those of the parsed files, and those of files that
 * disappeared (now or before) for scenarios whose file was moved or renamed.
 */
async function loadCandidateScenarios(ingestion: Ingestion, sorted: SortedFiles, removedFeatures: StoredFeature[], inactiveFeatureIds: number[]): Promise<CandidateScenarios> {
  const candidateFeatureIds = [...sorted.parsed.flatMap((f) => (f.stored ? [f.stored.id] : [])), ...removedFeatures.map((f) => f.id), ...inactiveFeatureIds];
  const stored: StoredScenario[] =
    candidateFeatureIds.length === 0
      ? []
      : await ingestion.em.execute(
          `select id, feature_id, stable_id, name, type, rule, tags, line_start, line_end, examples, steps_hash, is_active, matched_by
           from scenarios where project_id = ? and feature_id = any(?::int[])`,
          [ingestion.projectId, `{${candidateFeatureIds.join(',')}}`],
        );
  const byFeature = new Map<number, StoredScenario[]>();
  for (const row of stored) {
    const list = byFeature.get(row.feature_id);
    if (list) list.push(row);
    else byFeature.set(row.feature_id, [row]);
  }
  const goneFeatureIds = new Set([...removedFeatures.map((f) => f.id), ...inactiveFeatureIds]);
  return { stored, byFeature, goneFeatureIds, disappeared: stored.filter((row) => goneFeatureIds.has(row.feature_id)) };
}

/** Step signatures of found-again scenarios, to rewrite only those whose steps (background included) changed. */
async function loadStepSignatures(em: EntityManager, matchedIds: number[]): Promise<Map<number, string[]>> {
  const storedSteps = new Map<number, string[]>();
  for (const batch of chunks(matchedIds)) {
    const rows: StoredStep[] = await em.execute(
      'select scenario_id, keyword, text, data_table, doc_string from steps where scenario_id = any(?::int[]) order by scenario_id, position',
      [`{${batch.join(',')}}`],
    );
    for (const row of rows) {
      const signature = stepSignature({ keyword: row.keyword, text: row.text, dataTable: row.data_table, docString: row.doc_string });
      const list = storedSteps.get(row.scenario_id);
      if (list) list.push(signature);
      else storedSteps.set(row.scenario_id, [signature]);
    }
  }
  return storedSteps;
}

/**
 * Decides, per placement, whether its scenario is new, changed (row and perhaps steps rewritten),
 * or unchanged (rewritten only when the rule that matched it changed), counting them in `summary`.
 */
function planScenarioWrites(placements: Placement[], storedSteps: Map<number, string[]>, summary: IngestSummary): ScenarioWrites {
  const writes: ScenarioWrites = { updates: [], inserts: [], stepsToRewrite: [] };
  for (const placement of placements) {
    const { row, scenario } = placement;
    if (!row) {
      writes.inserts.push(placement);
      continue;
    }
    const stepsChanged = json(storedSteps.get(row.id) ?? []) !== json(scenario.steps.map(stepSignature));
    const changed = stepsChanged || !sameScenario(row, placement);
    if (changed) summary.updated++;
    else summary.unchangedScenarios++;
    if (changed || row.matched_by !== placement.matchedBy) {
      writes.updates.push({
        id: row.id,
        feature_id: placement.featureId,
        stable_id: scenario.stableId,
        name: scenario.name,
        type: scenario.type,
        rule: scenario.rule,
        tags: scenario.tags,
        line_start: scenario.lineStart,
        line_end: scenario.lineEnd,
        examples: scenario.examples,
        steps_hash: scenario.stepsHash,
        matched_by: placement.matchedBy,
      });
    }
    if (stepsChanged) writes.stepsToRewrite.push({ scenarioId: row.id, scenario });
  }
  return writes;
}

/** Rewrites the found-again scenarios that changed; each is active again. */
async function updateScenarios(ingestion: Ingestion, updates: Array<Record<string, unknown>>): Promise<void> {
  for (const batch of chunks(updates)) {
    await ingestion.em.execute(
      `update scenarios s set updated_at = ?::timestamptz, feature_id = x.feature_id, stable_id = x.stable_id, name = x.name, type = x.type, rule = x.rule,
         tags = x.tags, line_start = x.line_start, line_end = x.line_end, examples = x.examples, steps_hash = x.steps_hash, is_active = true, matched_by = x.matched_by
       from jsonb_to_recordset(?::jsonb) as x(id int, feature_id int, stable_id text, name text, type text, rule text, tags jsonb, line_start int, line_end int, examples jsonb, steps_hash text, matched_by text)
       where s.id = x.id`,
      [ingestion.now, json(batch)],
    );
  }
}

/** Inserts the new scenarios and adds their steps to `stepsToRewrite`; returns how many were inserted. */
async function insertScenarios(ingestion: Ingestion, inserts: Placement[], stepsToRewrite: ScenarioWrites['stepsToRewrite']): Promise<number> {
  let added = 0;
  for (const batch of chunks(inserts)) {
    const rows = batch.map((p) => ({
      feature_id: p.featureId,
      stable_id: p.scenario.stableId,
      name: p.scenario.name,
      type: p.scenario.type,
      rule: p.scenario.rule,
      tags: p.scenario.tags,
      line_start: p.scenario.lineStart,
      line_end: p.scenario.lineEnd,
      examples: p.scenario.examples,
      steps_hash: p.scenario.stepsHash,
    }));
    const inserted: Array<{ id: number; stable_id: string }> = await ingestion.em.execute(
      `insert into scenarios (created_at, updated_at, organization_id, project_id, feature_id, stable_id, name, type, rule, tags, line_start, line_end, examples, steps_hash, is_active, matched_by)
       select ?::timestamptz, ?::timestamptz, ?, ?, x.feature_id, x.stable_id, x.name, x.type, x.rule, x.tags, x.line_start, x.line_end, x.examples, x.steps_hash, true, 'new'
       from jsonb_to_recordset(?::jsonb) as x(feature_id int, stable_id text, name text, type text, rule text, tags jsonb, line_start int, line_end int, examples jsonb, steps_hash text)
       returning id, stable_id`,
      [ingestion.now, ingestion.now, ingestion.organizationId, ingestion.projectId, json(rows)],
    );
    // Stable ids are unique within the project, so they tell which row is which.
    const idByStableId = new Map(inserted.map((r) => [r.stable_id, r.id]));
    for (const placement of batch) stepsToRewrite.push({ scenarioId: idByStableId.get(placement.scenario.stableId)!, scenario: placement.scenario });
    added += inserted.length;
  }
  return added;
}

/** Replaces the steps of changed scenarios and writes those of new ones. */
async function rewriteSteps(em: EntityManager, stepsToRewrite: ScenarioWrites['stepsToRewrite'], storedSteps: Map<number, string[]>): Promise<void> {
  const rewrittenIds = stepsToRewrite.filter((s) => storedSteps.has(s.scenarioId)).map((s) => s.scenarioId);
  for (const batch of chunks(rewrittenIds)) {
    await em.execute('delete from steps where scenario_id = any(?::int[])', [`{${batch.join(',')}}`]);
  }
  const stepRows = stepsToRewrite.flatMap(({ scenarioId, scenario }) =>
    scenario.steps.map((step) => ({ scenario_id: scenarioId, position: step.position, keyword: step.keyword, text: step.text, data_table: step.dataTable, doc_string: step.docString })),
  );
  for (const batch of chunks(stepRows, 20_000)) {
    await em.execute(
      `insert into steps (scenario_id, position, keyword, text, data_table, doc_string)
       select x.scenario_id, x.position, x.keyword, x.text, x.data_table, x.doc_string
       from jsonb_to_recordset(?::jsonb) as x(scenario_id int, position int, keyword text, text text, data_table jsonb, doc_string text)`,
      [json(batch)],
    );
  }
}

/**
 * Deactivates the scenarios no longer in their (parsed or removed) file, their results kept.
 * Scenarios of a file that failed to parse are left as they were. Returns how many.
 */
async function deactivateMissingScenarios(ingestion: Ingestion, candidates: CandidateScenarios, claimed: Set<number>, sorted: SortedFiles): Promise<number> {
  const parsedIds = new Set(sorted.parsed.flatMap((f) => (f.stored ? [f.stored.id] : [])));
  const toDeactivate = candidates.stored
    .filter((row) => row.is_active && !claimed.has(row.id) && (parsedIds.has(row.feature_id) || candidates.goneFeatureIds.has(row.feature_id)))
    .map((row) => row.id);
  for (const batch of chunks(toDeactivate)) {
    await ingestion.em.execute('update scenarios set is_active = false, updated_at = ?::timestamptz where id = any(?::int[])', [ingestion.now, `{${batch.join(',')}}`]);
  }
  return toDeactivate.length;
}
