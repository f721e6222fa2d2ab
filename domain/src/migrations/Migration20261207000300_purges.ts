import { Migration } from '@mikro-orm/migrations';

export class Migration20261207000300_purges extends Migration {

  override name = 'Migration20261207000300_purges';

  override up(): void | Promise<void> {
    // What a deleted project, suite or environment left in the artifact store (issue 17 item 4).
    // No foreign key to the deleted row: the purge outlives it by design.
    this.addSql(`create table "purges" ("id" serial primary key, "created_at" timestamptz not null, "updated_at" timestamptz not null, "organization_id" int not null, "resource_type" text not null, "resource_id" int not null, "resource_name" varchar(200) not null, "project_id" int not null, "status" text not null default 'pending', "prefixes" jsonb not null, "prefixes_done" int not null default 0, "objects_deleted" int not null default 0, "completed_at" timestamptz null, "requested_by" varchar(200) not null);`);
    this.addSql(`alter table "purges" add constraint "purges_resource_type_check" check ("resource_type" in ('project', 'suite', 'environment'));`);
    this.addSql(`alter table "purges" add constraint "purges_status_check" check ("status" in ('pending', 'purged'));`);
    this.addSql(`alter table "purges" add constraint "purges_organization_id_foreign" foreign key ("organization_id") references "organizations" ("id");`);
  }

  override down(): void | Promise<void> {
    this.addSql(`drop table if exists "purges" cascade;`);
  }

}
