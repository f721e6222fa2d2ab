import { Migration } from '@mikro-orm/migrations';

export class Migration20261206053031_must_change_password extends Migration {

  override name = 'Migration20261206053031_must_change_password';

  override up(): void | Promise<void> {
    this.addSql(`alter table "users" add "must_change_password" boolean not null default false;`);
  }

  override down(): void | Promise<void> {
    this.addSql(`alter table "users" drop column "must_change_password";`);
  }

}
