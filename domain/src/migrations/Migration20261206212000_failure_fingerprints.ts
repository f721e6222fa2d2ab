import { Migration } from '@mikro-orm/migrations';

export class Migration20261206212000_failure_fingerprints extends Migration {

  override name = 'Migration20261206212000_failure_fingerprints';

  override up(): void | Promise<void> {
    this.addSql(`alter table "test_results" add "fingerprint" varchar(16) null, add "exception_type" text null, add "normalized_message" text null, add "failure_frame" text null;`);
    this.addSql(`create index "test_results_project_id_fingerprint_index" on "test_results" ("project_id", "fingerprint");`);
  }

  override down(): void | Promise<void> {
    this.addSql(`drop index "test_results_project_id_fingerprint_index";`);
    this.addSql(`alter table "test_results" drop column "fingerprint", drop column "exception_type", drop column "normalized_message", drop column "failure_frame";`);
  }

}
