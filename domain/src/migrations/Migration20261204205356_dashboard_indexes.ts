import { Migration } from '@mikro-orm/migrations';

export class Migration20261204205356_dashboard_indexes extends Migration {

  override name = 'Migration20261204205356_dashboard_indexes';

  override up(): void | Promise<void> {
    this.addSql(`create index "runs_organization_id_created_at_index" on "runs" ("organization_id", "created_at");`);
    this.addSql(`create index "runs_project_id_created_at_index" on "runs" ("project_id", "created_at");`);
  }

  override down(): void | Promise<void> {
    this.addSql(`drop index "runs_organization_id_created_at_index";`);
    this.addSql(`drop index "runs_project_id_created_at_index";`);
  }

}
