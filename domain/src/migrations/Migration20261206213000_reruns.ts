import { Migration } from '@mikro-orm/migrations';

/** Issue 15 item 3: a re-run names the run it re-runs; deleting that run keeps the re-run. */
export class Migration20261206213000_reruns extends Migration {

  override name = 'Migration20261206213000_reruns';

  override up(): void | Promise<void> {
    this.addSql(`alter table "runs" add "rerun_of_id" int null;`);
    this.addSql(`alter table "runs" add constraint "runs_rerun_of_id_foreign" foreign key ("rerun_of_id") references "runs" ("id") on delete set null;`);
    this.addSql(`create index "runs_rerun_of_id_index" on "runs" ("rerun_of_id");`);
  }

  override down(): void | Promise<void> {
    this.addSql(`drop index "runs_rerun_of_id_index";`);
    this.addSql(`alter table "runs" drop constraint "runs_rerun_of_id_foreign";`);
    this.addSql(`alter table "runs" drop column "rerun_of_id";`);
  }

}
