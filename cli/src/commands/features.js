import { EXIT } from '../errors.js';
import { listAll, noArgs, projectOption, resolveProject } from '../resolve.js';

/** @typedef {import('../types.js').Command} Command */

const COLUMNS = ['id', 'path', 'name', { header: 'SCENARIOS', key: 'scenario_count' }, 'passed', 'failed', 'skipped', { header: 'NEVER RUN', key: 'never_run' }, { header: 'ERROR', key: 'error' }];

/** @type {Command} */
const list = {
  name: 'features list',
  summary: "List a project's feature files with scenario counts and coverage (FR-BDD-05)",
  usage: 'qatron features list [--project PROJECT] [--tag TAG] [--search TEXT]',
  examples: ['qatron features list --project shop', 'qatron features list --tag @smoke --output json'],
  options: {
    project: { type: 'string', description: 'The project, by name or id (default: the project of ./qatron.yaml)' },
    tag: { type: 'string', description: 'Only features with a scenario carrying this tag' },
    search: { type: 'string', description: 'Text in the feature path, name or a scenario name' },
  },
  needsAuth: true,
  async run({ args, options, client, output }) {
    noArgs(args, 'features list');
    const project = await resolveProject(client, /** @type {string} */ (await projectOption(options, true)));
    const items = await listAll(client, '/api/v1/features', { project_id: project.id, tag: options.tag, search: options.search });
    output.print(
      output.structured ? items : items.map((f) => ({ ...f, ...f.coverage, error: f.parse_error ? `line ${f.parse_error.line ?? '?'}: ${f.parse_error.message}` : '' })),
      { columns: COLUMNS },
    );
    return EXIT.OK;
  },
};

/** @type {Command} */
const ingest = {
  name: 'features ingest',
  summary: "Index the project's feature files now, at the head of a branch (FR-BDD-01)",
  usage: 'qatron features ingest [--project PROJECT] [--branch BRANCH]',
  examples: ['qatron features ingest --project shop', 'qatron features ingest --branch release/2.0 --output json'],
  options: {
    project: { type: 'string', description: 'The project, by name or id (default: the project of ./qatron.yaml)' },
    branch: { type: 'string', description: "Branch to index (default: the project's default branch)" },
  },
  needsAuth: true,
  async run({ args, options, client, output }) {
    noArgs(args, 'features ingest');
    const project = await resolveProject(client, /** @type {string} */ (await projectOption(options, true)));
    const result = await client.request('POST', `/api/v1/features/projects/${project.id}/ingest-features`, { query: { branch: options.branch } });
    if (output.structured) output.print(result);
    else if (result.status === 'running') output.note(`Indexing ${project.name} is still running; \`qatron features list\` shows the index as it stands`);
    else {
      output.note(
        `Indexed ${result.files} feature files of ${project.name} at ${String(result.commit).slice(0, 12)}: ` +
          `${result.added} scenarios added, ${result.updated} updated, ${result.deactivated} deactivated, ${result.error_count} files with errors`,
      );
      for (const error of result.errors) output.note(`  ${error.path}${error.line ? `:${error.line}` : ''}: ${error.message}`);
    }
    return result.error_count > 0 ? EXIT.FAILED : EXIT.OK;
  },
};

export default [list, ingest];
