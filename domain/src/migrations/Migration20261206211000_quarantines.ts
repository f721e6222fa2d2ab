import { Migration } from '@mikro-orm/migrations';

export class Migration20261206211000_quarantines extends Migration {

  override name = 'Migration20261206211000_quarantines';

  override up(): void | Promise<void> {
    this.addSql(`create table "quarantines" ("id" serial primary key, "created_at" timestamptz not null, "updated_at" timestamptz not null, "organization_id" int not null, "project_id" int not null, "node_id" text not null, "reason" varchar(2000) not null, "owner" varchar(200) not null, "expires_at" timestamptz null, "created_by_id" int null, "created_by_name" varchar(200) not null, "lifted_at" timestamptz null, "lifted_by_id" int null, "lifted_by_name" varchar(200) null, "lift_reason" text null);`);
    this.addSql(`alter table "quarantines" add constraint "quarantines_lift_reason_check" check ("lift_reason" in ('lifted', 'expired'));`);
    this.addSql(`alter table "quarantines" add constraint "quarantines_organization_id_foreign" foreign key ("organization_id") references "organizations" ("id");`);
    this.addSql(`alter table "quarantines" add constraint "quarantines_project_id_foreign" foreign key ("project_id") references "projects" ("id") on delete cascade;`);
    this.addSql(`alter table "quarantines" add constraint "quarantines_created_by_id_foreign" foreign key ("created_by_id") references "users" ("id") on delete set null;`);
    this.addSql(`alter table "quarantines" add constraint "quarantines_lifted_by_id_foreign" foreign key ("lifted_by_id") references "users" ("id") on delete set null;`);
    // A test has at most one active quarantine per project; lifted ones are its history.
    this.addSql(`create unique index "quarantines_active_node_unique" on "quarantines" ("project_id", "node_id") where lifted_at is null;`);
    this.addSql(`create index "quarantines_project_id_node_id_created_at_index" on "quarantines" ("project_id", "node_id", "created_at");`);
    this.addSql(`create index "quarantines_project_id_id_index" on "quarantines" ("project_id", "id");`);
    this.addSql(`create index "quarantines_expires_at_index" on "quarantines" ("expires_at");`);

    this.addSql(`alter table "runs" add "quarantined_failures" int not null default 0;`);
  }

  override down(): void | Promise<void> {
    this.addSql(`alter table "runs" drop column "quarantined_failures";`);
    this.addSql(`drop table if exists "quarantines" cascade;`);
  }

}
