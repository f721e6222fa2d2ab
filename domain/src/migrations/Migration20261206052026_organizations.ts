import { Migration } from '@mikro-orm/migrations';

export class Migration20261206052026_organizations extends Migration {

  override name = 'Migration20261206052026_organizations';

  override up(): void | Promise<void> {
    this.addSql(`alter table "organizations" add "is_active" boolean not null default true, add "deactivated_at" timestamptz null, add "settings" jsonb not null default '{}';`);

    this.addSql(`alter table "users" add "platform_admin" boolean not null default false;`);
    // Before organizations existed the Default Organization's admins ran the whole installation: they keep that right.
    this.addSql(`update "users" set "platform_admin" = true where "role" = 'admin' and "organization_id" = (select "id" from "organizations" where "slug" = 'default');`);
  }

  override down(): void | Promise<void> {
    this.addSql(`alter table "organizations" drop column "is_active", drop column "deactivated_at", drop column "settings";`);

    this.addSql(`alter table "users" drop column "platform_admin";`);
  }

}
