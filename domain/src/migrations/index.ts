import type { MigrationObject } from '@mikro-orm/core';
import { Migration20261207000500_dataset_version_upload } from './Migration20261207000500_dataset_version_upload.js';
import { Migration20261207000100_run_schedules } from './Migration20261207000100_run_schedules.js';
import { Migration20261207000400_sso } from './Migration20261207000400_sso.js';
import { Migration20261207000300_purges } from './Migration20261207000300_purges.js';
import { Migration20261207000200_notifications } from './Migration20261207000200_notifications.js';
import { Migration20261206230000_selenium_grids } from './Migration20261206230000_selenium_grids.js';
import { Migration20261206213000_reruns } from './Migration20261206213000_reruns.js';
import { Migration20261206212000_failure_fingerprints } from './Migration20261206212000_failure_fingerprints.js';
import { Migration20261206210000_test_health } from './Migration20261206210000_test_health.js';
import { Migration20261206211000_quarantines } from './Migration20261206211000_quarantines.js';
import { Migration20261206053031_must_change_password } from './Migration20261206053031_must_change_password.js';
import { Migration20261206052026_organizations } from './Migration20261206052026_organizations.js';
import { Migration20261206041823_run_counts_suite_execution } from './Migration20261206041823_run_counts_suite_execution.js';
import { Migration20261204205356_dashboard_indexes } from './Migration20261204205356_dashboard_indexes.js';
import { Migration20261204202505_bdd_ingestion } from './Migration20261204202505_bdd_ingestion.js';
import { Migration20261122010117_artifact_kind_allure_history } from './Migration20261122010117_artifact_kind_allure_history.js';
import { Migration20261122002731_runs_project_status } from './Migration20261122002731_runs_project_status.js';
import { Migration20261122002712_test_results } from './Migration20261122002712_test_results.js';
import { Migration20261122001308_initial } from './Migration20261122001308_initial.js';

/** Every migration, in order. `npm run migration:create` appends new ones. */
export const MIGRATIONS: MigrationObject[] = [
  { name: 'Migration20261122001308_initial', class: Migration20261122001308_initial },
  { name: 'Migration20261122002712_test_results', class: Migration20261122002712_test_results },
  { name: 'Migration20261122002731_runs_project_status', class: Migration20261122002731_runs_project_status },
  { name: 'Migration20261122010117_artifact_kind_allure_history', class: Migration20261122010117_artifact_kind_allure_history },
  { name: 'Migration20261204202505_bdd_ingestion', class: Migration20261204202505_bdd_ingestion },
  { name: 'Migration20261204205356_dashboard_indexes', class: Migration20261204205356_dashboard_indexes },
  { name: 'Migration20261206041823_run_counts_suite_execution', class: Migration20261206041823_run_counts_suite_execution },
  { name: 'Migration20261206052026_organizations', class: Migration20261206052026_organizations },
  { name: 'Migration20261206053031_must_change_password', class: Migration20261206053031_must_change_password },
  { name: 'Migration20261206210000_test_health', class: Migration20261206210000_test_health },
  { name: 'Migration20261206211000_quarantines', class: Migration20261206211000_quarantines },
  { name: 'Migration20261206212000_failure_fingerprints', class: Migration20261206212000_failure_fingerprints },
  { name: 'Migration20261206213000_reruns', class: Migration20261206213000_reruns },
  { name: 'Migration20261206230000_selenium_grids', class: Migration20261206230000_selenium_grids },
  { name: 'Migration20261207000100_run_schedules', class: Migration20261207000100_run_schedules },
  { name: 'Migration20261207000200_notifications', class: Migration20261207000200_notifications },
  { name: 'Migration20261207000300_purges', class: Migration20261207000300_purges },
  { name: 'Migration20261207000400_sso', class: Migration20261207000400_sso },
  { name: 'Migration20261207000500_dataset_version_upload', class: Migration20261207000500_dataset_version_upload },
];
