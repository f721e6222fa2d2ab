import { Migration } from '@mikro-orm/migrations';

export class Migration20261204202505_bdd_ingestion extends Migration {

  override name = 'Migration20261204202505_bdd_ingestion';

  override up(): void | Promise<void> {
    this.addSql(`create table "scenario_results" ("id" serial primary key, "created_at" timestamptz not null, "organization_id" int not null, "project_id" int not null, "run_id" int not null, "scenario_id" int not null, "test_result_id" int null, "example_line" int null, "outcome" text not null, "duration_seconds" double precision not null);`);
    this.addSql(`create index "scenario_results_scenario_id_run_id_index" on "scenario_results" ("scenario_id", "run_id");`);
    this.addSql(`create index "scenario_results_project_id_run_id_index" on "scenario_results" ("project_id", "run_id");`);
    this.addSql(`alter table "scenario_results" add constraint "scenario_results_run_id_test_result_id_unique" unique ("run_id", "test_result_id");`);

    this.addSql(`alter table "scenarios" drop constraint "scenarios_project_id_stable_id_unique";`);
    this.addSql(`alter table "scenarios" add constraint "scenarios_project_id_stable_id_unique" unique ("project_id", "stable_id") deferrable initially deferred;`);

    this.addSql(`alter table "scenario_results" add constraint "scenario_results_organization_id_foreign" foreign key ("organization_id") references "organizations" ("id");`);
    this.addSql(`alter table "scenario_results" add constraint "scenario_results_project_id_foreign" foreign key ("project_id") references "projects" ("id") on delete cascade;`);
    this.addSql(`alter table "scenario_results" add constraint "scenario_results_run_id_foreign" foreign key ("run_id") references "runs" ("id") on delete cascade;`);
    this.addSql(`alter table "scenario_results" add constraint "scenario_results_scenario_id_foreign" foreign key ("scenario_id") references "scenarios" ("id") on delete cascade;`);
    this.addSql(`alter table "scenario_results" add constraint "scenario_results_test_result_id_foreign" foreign key ("test_result_id") references "test_results" ("id") on delete cascade;`);
    this.addSql(`alter table "scenario_results" add constraint "scenario_results_outcome_check" check ("outcome" in ('passed', 'failed', 'skipped', 'error'));`);
  }

  override down(): void | Promise<void> {
    this.addSql(`drop table if exists "scenario_results" cascade;`);

    this.addSql(`alter table "scenarios" drop constraint "scenarios_project_id_stable_id_unique";`);
    this.addSql(`alter table "scenarios" add constraint "scenarios_project_id_stable_id_unique" unique ("project_id", "stable_id");`);
  }

}
