import { Migration } from '@mikro-orm/migrations';

/** Issue 17 item 5: a dataset version's size and uploader, shown to every role on the Board (the audit log is admins' only). */
export class Migration20261207000500_dataset_version_upload extends Migration {

  override name = 'Migration20261207000500_dataset_version_upload';

  override up(): void | Promise<void> {
    this.addSql(`alter table "dataset_versions" add "size_bytes" bigint null, add "uploaded_by_name" varchar(200) null;`);
  }

  override down(): void | Promise<void> {
    this.addSql(`alter table "dataset_versions" drop column "size_bytes", drop column "uploaded_by_name";`);
  }

}
