import { Migration } from '@mikro-orm/migrations';

export class Migration20261122002712_test_results extends Migration {

  override name = 'Migration20261122002712_test_results';

  override up(): void | Promise<void> {
    this.addSql(`create table "test_results" ("id" serial primary key, "created_at" timestamptz not null, "organization_id" int not null, "project_id" int not null, "suite_id" int not null, "environment_id" int not null, "run_id" int not null, "shard_index" int not null, "node_id" text not null, "file" varchar(1000) not null, "outcome" text not null, "duration_seconds" double precision not null, "attempts" int not null default 1, "flaky" boolean not null default false, "message" text null);`);
    this.addSql(`create index "test_results_project_id_suite_id_file_run_id_index" on "test_results" ("project_id", "suite_id", "file", "run_id");`);
    this.addSql(`create index "test_results_project_id_node_id_run_id_index" on "test_results" ("project_id", "node_id", "run_id");`);
    this.addSql(`alter table "test_results" add constraint "test_results_run_id_node_id_unique" unique ("run_id", "node_id");`);

    this.addSql(`alter table "test_results" add constraint "test_results_organization_id_foreign" foreign key ("organization_id") references "organizations" ("id");`);
    this.addSql(`alter table "test_results" add constraint "test_results_project_id_foreign" foreign key ("project_id") references "projects" ("id") on delete cascade;`);
    this.addSql(`alter table "test_results" add constraint "test_results_suite_id_foreign" foreign key ("suite_id") references "suites" ("id") on delete cascade;`);
    this.addSql(`alter table "test_results" add constraint "test_results_environment_id_foreign" foreign key ("environment_id") references "environments" ("id") on delete cascade;`);
    this.addSql(`alter table "test_results" add constraint "test_results_run_id_foreign" foreign key ("run_id") references "runs" ("id") on delete cascade;`);
    this.addSql(`alter table "test_results" add constraint "test_results_outcome_check" check ("outcome" in ('passed', 'failed', 'skipped', 'error'));`);
  }

  override down(): void | Promise<void> {
    this.addSql(`drop table if exists "test_results" cascade;`);
  }

}
