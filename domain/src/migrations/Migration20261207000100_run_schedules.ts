import { Migration } from '@mikro-orm/migrations';

/** Issue 17 item 2: scheduled runs; each row is fired by the Temporal Schedule it names. */
export class Migration20261207000100_run_schedules extends Migration {

  override name = 'Migration20261207000100_run_schedules';

  override up(): void | Promise<void> {
    this.addSql(`create table "run_schedules" ("id" serial primary key, "created_at" timestamptz not null, "updated_at" timestamptz not null, "organization_id" int not null, "project_id" int not null, "suite_id" int not null, "environment_id" int not null, "cron" varchar(200) null, "interval_seconds" int null, "timezone" varchar(64) not null, "branch" varchar(255) not null, "paused" boolean not null, "description" varchar(2000) not null, "temporal_schedule_id" varchar(200) null, "created_by_id" int null, "created_by_name" varchar(200) not null);`);
    this.addSql(`alter table "run_schedules" add constraint "run_schedules_temporal_schedule_id_unique" unique ("temporal_schedule_id");`);
    this.addSql(`alter table "run_schedules" add constraint "run_schedules_organization_id_foreign" foreign key ("organization_id") references "organizations" ("id");`);
    this.addSql(`alter table "run_schedules" add constraint "run_schedules_project_id_foreign" foreign key ("project_id") references "projects" ("id") on delete cascade;`);
    this.addSql(`alter table "run_schedules" add constraint "run_schedules_suite_id_foreign" foreign key ("suite_id") references "suites" ("id") on delete cascade;`);
    this.addSql(`alter table "run_schedules" add constraint "run_schedules_environment_id_foreign" foreign key ("environment_id") references "environments" ("id") on delete cascade;`);
    this.addSql(`alter table "run_schedules" add constraint "run_schedules_created_by_id_foreign" foreign key ("created_by_id") references "users" ("id") on delete set null;`);
    this.addSql(`create index "run_schedules_suite_id_id_index" on "run_schedules" ("suite_id", "id");`);
  }

  override down(): void | Promise<void> {
    this.addSql(`drop table if exists "run_schedules" cascade;`);
  }

}
