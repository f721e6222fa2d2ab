import { Migration } from '@mikro-orm/migrations';

export class Migration20261206041823_run_counts_suite_execution extends Migration {

  override name = 'Migration20261206041823_run_counts_suite_execution';

  override up(): void | Promise<void> {
    this.addSql(`alter table "suites" add "coverage" boolean not null default true, add "allow_empty" boolean not null default false, add "install_command" varchar(1000) null, add "python_version" varchar(20) null;`);

    this.addSql(`alter table "runs" add "error_tests" int not null default 0, add "xfailed_tests" int not null default 0, add "xpassed_tests" int not null default 0, add "report_status" text not null default 'pending';`);
    this.addSql(`alter table "runs" add constraint "runs_report_status_check" check ("report_status" in ('pending', 'ready', 'failed', 'skipped'));`);
    // Runs from before: live ones are pending; a finished one was reported if reporting left a record.
    this.addSql(`update "runs" set "report_status" = case
      when "status" in ('queued', 'provisioning', 'running', 'reporting') then 'pending'
      when "run_metadata" ? 'reporting' then case when jsonb_array_length(coalesce("run_metadata"->'reporting'->'errors', '[]'::jsonb)) = 0 then 'ready' else 'failed' end
      else 'skipped' end;`);

    this.addSql(`alter table "test_results" drop constraint "test_results_outcome_check";`);
    this.addSql(`alter table "test_results" add constraint "test_results_outcome_check" check ("outcome" in ('passed', 'failed', 'error', 'skipped', 'xfailed', 'xpassed'));`);

    this.addSql(`alter table "scenario_results" drop constraint "scenario_results_outcome_check";`);
    this.addSql(`alter table "scenario_results" add constraint "scenario_results_outcome_check" check ("outcome" in ('passed', 'failed', 'error', 'skipped', 'xfailed', 'xpassed'));`);
  }

  override down(): void | Promise<void> {
    this.addSql(`alter table "runs" drop constraint "runs_report_status_check";`);
    this.addSql(`alter table "runs" drop column "error_tests", drop column "xfailed_tests", drop column "xpassed_tests", drop column "report_status";`);

    this.addSql(`alter table "scenario_results" drop constraint "scenario_results_outcome_check";`);
    this.addSql(`alter table "scenario_results" add constraint "scenario_results_outcome_check" check ("outcome" in ('passed', 'failed', 'skipped', 'error'));`);

    this.addSql(`alter table "suites" drop column "coverage", drop column "allow_empty", drop column "install_command", drop column "python_version";`);

    this.addSql(`alter table "test_results" drop constraint "test_results_outcome_check";`);
    this.addSql(`alter table "test_results" add constraint "test_results_outcome_check" check ("outcome" in ('passed', 'failed', 'skipped', 'error'));`);
  }

}
