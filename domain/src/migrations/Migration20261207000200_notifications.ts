import { Migration } from '@mikro-orm/migrations';

/** Issue 17 item 3: a project's notification channels with their rules, and the log of every delivery attempt. */
export class Migration20261207000200_notifications extends Migration {

  override name = 'Migration20261207000200_notifications';

  override up(): void | Promise<void> {
    this.addSql(`create table "notification_channels" ("id" serial primary key, "created_at" timestamptz not null, "updated_at" timestamptz not null, "organization_id" int not null, "project_id" int not null, "name" varchar(100) not null, "kind" text not null, "url" varchar(2000) null, "secret_ref" varchar(255) null, "recipients" jsonb not null, "rules" jsonb not null, "enabled" boolean not null default true);`);
    this.addSql(`alter table "notification_channels" add constraint "notification_channels_kind_check" check ("kind" in ('webhook', 'slack', 'email'));`);
    this.addSql(`alter table "notification_channels" add constraint "notification_channels_organization_id_foreign" foreign key ("organization_id") references "organizations" ("id");`);
    this.addSql(`alter table "notification_channels" add constraint "notification_channels_project_id_foreign" foreign key ("project_id") references "projects" ("id") on delete cascade;`);
    this.addSql(`alter table "notification_channels" add constraint "notification_channels_project_id_name_unique" unique ("project_id", "name");`);
    this.addSql(`create index "notification_channels_organization_id_project_id_index" on "notification_channels" ("organization_id", "project_id");`);

    this.addSql(`create table "notification_deliveries" ("id" serial primary key, "created_at" timestamptz not null, "updated_at" timestamptz not null, "organization_id" int not null, "channel_id" int not null, "run_id" int null, "delivery_id" varchar(64) not null, "event" text not null, "attempt" int not null, "status_code" int null, "error" text null, "delivered_at" timestamptz null);`);
    this.addSql(`alter table "notification_deliveries" add constraint "notification_deliveries_event_check" check ("event" in ('run.failed', 'run.recovered', 'run.finished', 'test'));`);
    this.addSql(`alter table "notification_deliveries" add constraint "notification_deliveries_organization_id_foreign" foreign key ("organization_id") references "organizations" ("id");`);
    this.addSql(`alter table "notification_deliveries" add constraint "notification_deliveries_channel_id_foreign" foreign key ("channel_id") references "notification_channels" ("id") on delete cascade;`);
    this.addSql(`alter table "notification_deliveries" add constraint "notification_deliveries_run_id_foreign" foreign key ("run_id") references "runs" ("id") on delete set null;`);
    this.addSql(`create index "notification_deliveries_run_id_index" on "notification_deliveries" ("run_id");`);
    this.addSql(`create index "notification_deliveries_channel_id_created_at_index" on "notification_deliveries" ("channel_id", "created_at");`);
    this.addSql(`create index "notification_deliveries_delivery_id_index" on "notification_deliveries" ("delivery_id");`);
  }

  override down(): void | Promise<void> {
    this.addSql(`drop table if exists "notification_deliveries" cascade;`);
    this.addSql(`drop table if exists "notification_channels" cascade;`);
  }

}
