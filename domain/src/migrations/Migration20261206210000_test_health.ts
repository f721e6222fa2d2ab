import { Migration } from '@mikro-orm/migrations';

export class Migration20261206210000_test_health extends Migration {

  override name = 'Migration20261206210000_test_health';

  override up(): void | Promise<void> {
    this.addSql(`create table "test_health" ("id" serial primary key, "created_at" timestamptz not null, "updated_at" timestamptz not null, "organization_id" int not null, "project_id" int not null, "suite_id" int not null, "environment_id" int not null, "node_id" text not null, "window" jsonb not null, "classification" text not null, "rule" text not null, "evidence" jsonb not null, "runs" int not null, "passes" int not null, "failures" int not null, "flips" int not null, "flip_rate" double precision not null, "pass_on_retry" int not null, "same_commit_disagreements" int not null, "median_duration_seconds" double precision null, "first_seen_at" timestamptz not null, "last_seen_at" timestamptz not null, "last_failure_at" timestamptz null, "last_failure_run" int null);`);
    this.addSql(`create index "test_health_project_id_classification_flip_rate_index" on "test_health" ("project_id", "classification", "flip_rate");`);
    this.addSql(`create index "test_health_project_id_flip_rate_index" on "test_health" ("project_id", "flip_rate");`);
    this.addSql(`create index "test_health_project_id_failures_index" on "test_health" ("project_id", "failures");`);
    this.addSql(`create index "test_health_project_id_median_duration_seconds_index" on "test_health" ("project_id", "median_duration_seconds");`);
    this.addSql(`alter table "test_health" add constraint "test_health_project_id_suite_id_environment_id_node_id_unique" unique ("project_id", "suite_id", "environment_id", "node_id");`);

    this.addSql(`alter table "test_health" add constraint "test_health_organization_id_foreign" foreign key ("organization_id") references "organizations" ("id");`);
    this.addSql(`alter table "test_health" add constraint "test_health_project_id_foreign" foreign key ("project_id") references "projects" ("id") on delete cascade;`);
    this.addSql(`alter table "test_health" add constraint "test_health_suite_id_foreign" foreign key ("suite_id") references "suites" ("id") on delete cascade;`);
    this.addSql(`alter table "test_health" add constraint "test_health_environment_id_foreign" foreign key ("environment_id") references "environments" ("id") on delete cascade;`);

    this.addSql(`alter table "test_health" add constraint "test_health_classification_check" check ("classification" in ('stable', 'flaky', 'broken', 'new'));`);
    this.addSql(`alter table "test_health" add constraint "test_health_rule_check" check ("rule" in ('failing_since_clean_history', 'failing_streak', 'same_commit_disagreement', 'pass_on_retry', 'repeated_failures', 'few_runs', 'no_flakiness'));`);
  }

  override down(): void | Promise<void> {
    this.addSql(`drop table if exists "test_health" cascade;`);
  }

}
