import { Migration } from '@mikro-orm/migrations';

/** Issue 16: polled Grid health on the resource, its outages, the environment's Grid, page-source artifacts. */
export class Migration20261206230000_selenium_grids extends Migration {

  override name = 'Migration20261206230000_selenium_grids';

  override up(): void | Promise<void> {
    this.addSql(`alter table "infrastructure_resources" add "checked_at" timestamptz null, add "check_error" text null, add "grid_health" jsonb null;`);

    this.addSql(`create table "grid_outages" ("id" serial primary key, "created_at" timestamptz not null, "updated_at" timestamptz not null, "organization_id" int not null, "resource_id" int not null, "started_at" timestamptz not null, "ended_at" timestamptz null, "reason" text not null);`);
    this.addSql(`alter table "grid_outages" add constraint "grid_outages_organization_id_foreign" foreign key ("organization_id") references "organizations" ("id");`);
    this.addSql(`alter table "grid_outages" add constraint "grid_outages_resource_id_foreign" foreign key ("resource_id") references "infrastructure_resources" ("id") on delete cascade;`);
    this.addSql(`create index "grid_outages_resource_id_started_at_index" on "grid_outages" ("resource_id", "started_at");`);

    this.addSql(`alter table "environments" add "grid_id" int null;`);
    this.addSql(`alter table "environments" add constraint "environments_grid_id_foreign" foreign key ("grid_id") references "infrastructure_resources" ("id") on delete set null;`);
    this.addSql(`create index "environments_grid_id_index" on "environments" ("grid_id");`);

    this.addSql(`alter table "run_artifacts" drop constraint if exists "run_artifacts_kind_check";`);
    this.addSql(`alter table "run_artifacts" add constraint "run_artifacts_kind_check" check ("kind" in ('junit', 'allure_results', 'allure_report', 'allure_history', 'coverage_data', 'coverage_xml', 'coverage_html', 'log', 'screenshot', 'page_source', 'other'));`);
  }

  override down(): void | Promise<void> {
    this.addSql(`alter table "run_artifacts" drop constraint if exists "run_artifacts_kind_check";`);
    this.addSql(`alter table "run_artifacts" add constraint "run_artifacts_kind_check" check ("kind" in ('junit', 'allure_results', 'allure_report', 'allure_history', 'coverage_data', 'coverage_xml', 'coverage_html', 'log', 'screenshot', 'other'));`);
    this.addSql(`drop index "environments_grid_id_index";`);
    this.addSql(`alter table "environments" drop constraint "environments_grid_id_foreign";`);
    this.addSql(`alter table "environments" drop column "grid_id";`);
    this.addSql(`drop table if exists "grid_outages" cascade;`);
    this.addSql(`alter table "infrastructure_resources" drop column "checked_at", drop column "check_error", drop column "grid_health";`);
  }

}
