import { Migration } from '@mikro-orm/migrations';

export class Migration20261122002731_runs_project_status extends Migration {

  override name = 'Migration20261122002731_runs_project_status';

  override up(): void | Promise<void> {
    this.addSql(`create index "runs_project_id_status_id_index" on "runs" ("project_id", "status", "id");`);
  }

  override down(): void | Promise<void> {
    this.addSql(`drop index "runs_project_id_status_id_index";`);
  }

}
