import { Migration } from '@mikro-orm/migrations';

export class Migration20261122010117_artifact_kind_allure_history extends Migration {

  override name = 'Migration20261122010117_artifact_kind_allure_history';

  override up(): void | Promise<void> {
    this.addSql(`alter table "run_artifacts" drop constraint "run_artifacts_kind_check";`);
    this.addSql(`alter table "run_artifacts" add constraint "run_artifacts_kind_check" check ("kind" in ('junit', 'allure_results', 'allure_report', 'allure_history', 'coverage_data', 'coverage_xml', 'coverage_html', 'log', 'screenshot', 'other'));`);
  }

  override down(): void | Promise<void> {
    this.addSql(`alter table "run_artifacts" drop constraint "run_artifacts_kind_check";`);
    this.addSql(`alter table "run_artifacts" add constraint "run_artifacts_kind_check" check ("kind" in ('junit', 'allure_results', 'allure_report', 'coverage_data', 'coverage_xml', 'coverage_html', 'log', 'screenshot', 'other'));`);
  }

}
