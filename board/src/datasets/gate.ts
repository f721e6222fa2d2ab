import { api } from '../api/client';
import type { Environment, Project, Suite } from '../api/types';
import type { DatasetDetail, DatasetVersion, ValidationStatus } from './types';

/** Where a dataset may be used: a project with its environments and suites (what the gate reads of them). */
export interface ProjectUsage {
  project: Pick<Project, 'id' | 'name'>;
  environments: Pick<Environment, 'id' | 'name' | 'project_id' | 'dataset_id'>[];
  suites: Pick<Suite, 'name' | 'require_dataset_health'>[];
}

/**
 * What a run in one environment would meet at its dataset gate (FR-DATA-04): a run pins the
 * dataset's newest version, and a suite with `require_dataset_health` refuses to start unless that
 * version passed validation (api/src/runs/service.ts pinDatasetVersion).
 */
export interface EnvironmentGate {
  projectName: string;
  environment: ProjectUsage['environments'][number];
  /** The newest version's validation status, `none` without a version. */
  status: ValidationStatus | 'none';
  /** The project's suites that require a validated dataset. */
  guardedSuites: string[];
  /** Those of them the newest version stops: all when it has not passed, else none. */
  blockedSuites: string[];
}

/** The gate of every environment that names `datasetId`, by project then environment name. */
export function environmentGates(datasetId: number, newest: Pick<DatasetVersion, 'validation_status'> | null, usage: ProjectUsage[]): EnvironmentGate[] {
  const status = newest?.validation_status ?? 'none';
  const gates: EnvironmentGate[] = [];
  for (const { project, environments, suites } of usage) {
    const guardedSuites = suites.filter((s) => s.require_dataset_health).map((s) => s.name).sort();
    for (const environment of environments.filter((e) => e.dataset_id === datasetId)) {
      gates.push({ projectName: project.name, environment, status, guardedSuites, blockedSuites: status === 'passed' ? [] : guardedSuites });
    }
  }
  return gates.sort((a, b) => a.projectName.localeCompare(b.projectName) || a.environment.name.localeCompare(b.environment.name));
}

/** The gate's verdict in words: `ok`, or the suites whose runs it blocks and why. */
export function gateSummary(gate: EnvironmentGate): string {
  if (gate.guardedSuites.length === 0) return 'ok: no suite requires a validated dataset';
  if (gate.blockedSuites.length === 0) return 'ok';
  const why = gate.status === 'none' ? 'no version yet' : `newest version ${gate.status}`;
  return `blocks runs of suites ${gate.blockedSuites.join(', ')} (${why})`;
}

/**
 * The projects whose environments may name the dataset, with their environments and suites: its
 * own project, or every project for a shared dataset. Suites are fetched only where an environment
 * uses it.
 */
export async function loadUsage(dataset: Pick<DatasetDetail, 'id' | 'project_id'>): Promise<ProjectUsage[]> {
  const projects = dataset.project_id === null ? (await api.projects.list()).items : [await api.projects.get(dataset.project_id)];
  return Promise.all(
    projects.map(async (project) => {
      const environments = (await api.projects.environments(project.id)).items.filter((e) => e.dataset_id === dataset.id);
      const suites = environments.length > 0 ? (await api.projects.suites(project.id)).items : [];
      return { project, environments, suites };
    }),
  );
}
