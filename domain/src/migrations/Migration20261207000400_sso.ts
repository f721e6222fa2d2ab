import { Migration } from '@mikro-orm/migrations';

/** Single sign-on (issue 17 item 6): per-organization OpenID Connect, its login attempts, and users' identities. */
export class Migration20261207000400_sso extends Migration {

  override name = 'Migration20261207000400_sso';

  override up(): void | Promise<void> {
    this.addSql(`create table "organization_sso" ("id" serial primary key, "created_at" timestamptz not null, "updated_at" timestamptz not null, "organization_id" int not null, "issuer" varchar(500) not null, "client_id" varchar(255) not null, "client_secret_name" varchar(255) not null, "scopes" varchar(500) not null default 'openid email profile', "groups_claim" varchar(200) not null default 'groups', "group_roles" jsonb not null default '{}', "default_role" text not null default 'viewer', "password_login_disabled" boolean not null default false);`);
    this.addSql(`alter table "organization_sso" add constraint "organization_sso_organization_id_unique" unique ("organization_id");`);
    this.addSql(`alter table "organization_sso" add constraint "organization_sso_default_role_check" check ("default_role" in ('viewer', 'user', 'admin'));`);
    this.addSql(`alter table "organization_sso" add constraint "organization_sso_organization_id_foreign" foreign key ("organization_id") references "organizations" ("id") on delete cascade;`);

    this.addSql(`create table "sso_logins" ("id" serial primary key, "created_at" timestamptz not null, "updated_at" timestamptz not null, "organization_id" int not null, "state" varchar(64) not null, "nonce" varchar(64) not null, "code_verifier" varchar(128) not null, "redirect_uri" varchar(1000) not null, "expires_at" timestamptz not null, "user_id" int null, "handoff_hash" varchar(64) null, "completed_at" timestamptz null, "redeemed_at" timestamptz null);`);
    this.addSql(`create index "sso_logins_organization_id_index" on "sso_logins" ("organization_id");`);
    this.addSql(`alter table "sso_logins" add constraint "sso_logins_state_unique" unique ("state");`);
    this.addSql(`create index "sso_logins_expires_at_index" on "sso_logins" ("expires_at");`);
    this.addSql(`alter table "sso_logins" add constraint "sso_logins_handoff_hash_unique" unique ("handoff_hash");`);
    this.addSql(`alter table "sso_logins" add constraint "sso_logins_organization_id_foreign" foreign key ("organization_id") references "organizations" ("id") on delete cascade;`);
    this.addSql(`alter table "sso_logins" add constraint "sso_logins_user_id_foreign" foreign key ("user_id") references "users" ("id") on delete cascade;`);

    this.addSql(`alter table "users" add "sso_issuer" varchar(500) null, add "sso_subject" varchar(255) null;`);
    this.addSql(`alter table "users" add constraint "users_organization_id_sso_issuer_sso_subject_unique" unique ("organization_id", "sso_issuer", "sso_subject");`);
  }

  override down(): void | Promise<void> {
    this.addSql(`alter table "users" drop constraint "users_organization_id_sso_issuer_sso_subject_unique";`);
    this.addSql(`alter table "users" drop column "sso_issuer", drop column "sso_subject";`);
    this.addSql(`drop table if exists "sso_logins" cascade;`);
    this.addSql(`drop table if exists "organization_sso" cascade;`);
  }

}
