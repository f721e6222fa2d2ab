import { Migration } from '@mikro-orm/migrations';

export class Migration20261122001308_initial extends Migration {

  override name = 'Migration20261122001308_initial';

  override up(): void | Promise<void> {
    this.addSql(`create table "organizations" ("id" serial primary key, "created_at" timestamptz not null, "updated_at" timestamptz not null, "name" varchar(200) not null, "slug" varchar(100) not null);`);
    this.addSql(`alter table "organizations" add constraint "organizations_slug_unique" unique ("slug");`);

    this.addSql(`create table "infrastructure_resources" ("id" serial primary key, "created_at" timestamptz not null, "updated_at" timestamptz not null, "organization_id" int not null, "name" varchar(200) not null, "kind" text not null, "url" varchar(2000) null, "capacity" int not null default 1, "metadata" jsonb not null, "last_heartbeat_at" timestamptz null, "stopped_at" timestamptz null);`);
    this.addSql(`create index "infrastructure_resources_organization_id_kind_index" on "infrastructure_resources" ("organization_id", "kind");`);
    this.addSql(`alter table "infrastructure_resources" add constraint "infrastructure_resources_organization_id_name_unique" unique ("organization_id", "name");`);

    this.addSql(`create table "audit_logs" ("id" serial primary key, "created_at" timestamptz not null, "organization_id" int not null, "action" varchar(64) not null, "user_id" int null, "actor" varchar(200) not null, "resource_type" varchar(64) not null, "resource_id" varchar(64) null, "details" jsonb not null, "ip_address" varchar(64) null, "user_agent" varchar(500) null);`);
    this.addSql(`create index "audit_logs_organization_id_created_at_index" on "audit_logs" ("organization_id", "created_at");`);
    this.addSql(`create index "audit_logs_organization_id_action_created_at_index" on "audit_logs" ("organization_id", "action", "created_at");`);
    this.addSql(`create index "audit_logs_organization_id_user_id_created_at_index" on "audit_logs" ("organization_id", "user_id", "created_at");`);

    this.addSql(`create table "projects" ("id" serial primary key, "created_at" timestamptz not null, "updated_at" timestamptz not null, "organization_id" int not null, "name" varchar(200) not null, "description" text not null default '', "repo_url" varchar(2000) not null, "default_branch" varchar(255) not null default 'main', "auth_method" text not null default 'none', "secret_ref" varchar(255) null);`);
    this.addSql(`alter table "projects" add constraint "projects_organization_id_name_unique" unique ("organization_id", "name");`);

    this.addSql(`create table "features" ("id" serial primary key, "created_at" timestamptz not null, "updated_at" timestamptz not null, "organization_id" int not null, "project_id" int not null, "path" varchar(1000) not null, "name" text not null default '', "description" text not null default '', "tags" jsonb not null, "language" varchar(16) not null default 'en', "content_hash" varchar(64) not null default '', "is_active" boolean not null default true, "parse_error" jsonb null, "indexed_commit" varchar(64) null);`);
    this.addSql(`create index "features_organization_id_index" on "features" ("organization_id");`);
    this.addSql(`alter table "features" add constraint "features_project_id_path_unique" unique ("project_id", "path");`);

    this.addSql(`create table "datasets" ("id" serial primary key, "created_at" timestamptz not null, "updated_at" timestamptz not null, "organization_id" int not null, "project_id" int null, "name" varchar(200) not null, "description" text not null default '');`);
    this.addSql(`create index "datasets_project_id_index" on "datasets" ("project_id");`);
    this.addSql(`alter table "datasets" add constraint "datasets_organization_id_name_unique" unique ("organization_id", "name");`);

    this.addSql(`create table "environments" ("id" serial primary key, "created_at" timestamptz not null, "updated_at" timestamptz not null, "organization_id" int not null, "project_id" int not null, "name" varchar(100) not null, "kind" text not null, "base_url" varchar(2000) null, "variables" jsonb not null, "secret_refs" jsonb not null, "retention_days" int null, "dataset_id" int null);`);
    this.addSql(`create index "environments_organization_id_index" on "environments" ("organization_id");`);
    this.addSql(`create index "environments_dataset_id_index" on "environments" ("dataset_id");`);
    this.addSql(`alter table "environments" add constraint "environments_project_id_name_unique" unique ("project_id", "name");`);

    this.addSql(`create table "dataset_versions" ("id" serial primary key, "created_at" timestamptz not null, "updated_at" timestamptz not null, "dataset_id" int not null, "version" varchar(100) not null, "storage_path" varchar(2000) not null, "checksum" varchar(128) null, "expectations" jsonb null, "validation_status" text not null default 'pending', "validation_report" jsonb null, "validated_at" timestamptz null);`);
    this.addSql(`alter table "dataset_versions" add constraint "dataset_versions_dataset_id_version_unique" unique ("dataset_id", "version");`);

    this.addSql(`create table "revoked_sessions" ("jti" varchar(64) not null, "expires_at" timestamptz not null, primary key ("jti"));`);
    this.addSql(`create index "revoked_sessions_expires_at_index" on "revoked_sessions" ("expires_at");`);

    this.addSql(`create table "scenarios" ("id" serial primary key, "created_at" timestamptz not null, "updated_at" timestamptz not null, "organization_id" int not null, "project_id" int not null, "feature_id" int not null, "stable_id" varchar(1200) not null, "name" text not null, "type" text not null default 'scenario', "rule" text null, "tags" jsonb not null, "line_start" int not null, "line_end" int not null, "examples" jsonb not null, "steps_hash" varchar(64) not null default '', "is_active" boolean not null default true, "matched_by" varchar(16) not null default 'new');`);
    this.addSql(`create index "scenarios_organization_id_index" on "scenarios" ("organization_id");`);
    this.addSql(`create index "scenarios_feature_id_index" on "scenarios" ("feature_id");`);
    this.addSql(`alter table "scenarios" add constraint "scenarios_project_id_stable_id_unique" unique ("project_id", "stable_id");`);

    this.addSql(`create table "steps" ("id" serial primary key, "scenario_id" int not null, "position" int not null, "keyword" varchar(64) not null, "text" text not null, "data_table" jsonb null, "doc_string" text null);`);
    this.addSql(`create index "steps_scenario_id_index" on "steps" ("scenario_id");`);

    this.addSql(`create table "suites" ("id" serial primary key, "created_at" timestamptz not null, "updated_at" timestamptz not null, "organization_id" int not null, "project_id" int not null, "name" varchar(100) not null, "description" text not null default '', "layer" text not null default 'integration', "markers" varchar(1000) not null default '', "keywords" varchar(1000) not null default '', "paths" jsonb not null, "shards" int not null default 1, "workers_per_shard" int not null default 0, "retries" int not null default 0, "timeout_seconds" int not null default 3600, "coverage_threshold" double precision null, "require_dataset_health" boolean not null default false);`);
    this.addSql(`create index "suites_organization_id_index" on "suites" ("organization_id");`);
    this.addSql(`alter table "suites" add constraint "suites_project_id_name_unique" unique ("project_id", "name");`);

    this.addSql(`create table "users" ("id" serial primary key, "created_at" timestamptz not null, "updated_at" timestamptz not null, "organization_id" int not null, "username" varchar(150) not null, "email" varchar(320) not null, "password_hash" varchar(300) not null, "role" text not null default 'user', "is_active" boolean not null default true, "failed_logins" int not null default 0, "locked_until" timestamptz null, "last_login_at" timestamptz null);`);
    this.addSql(`create index "users_organization_id_index" on "users" ("organization_id");`);
    this.addSql(`alter table "users" add constraint "users_username_unique" unique ("username");`);
    this.addSql(`alter table "users" add constraint "users_email_unique" unique ("email");`);

    this.addSql(`create table "service_tokens" ("id" serial primary key, "created_at" timestamptz not null, "updated_at" timestamptz not null, "organization_id" int not null, "project_id" int null, "name" varchar(200) not null, "token_hash" varchar(64) not null, "token_prefix" varchar(16) not null, "role" text not null default 'user', "created_by_id" int null, "expires_at" timestamptz null, "last_used_at" timestamptz null, "revoked_at" timestamptz null);`);
    this.addSql(`create index "service_tokens_organization_id_index" on "service_tokens" ("organization_id");`);
    this.addSql(`create index "service_tokens_project_id_index" on "service_tokens" ("project_id");`);
    this.addSql(`alter table "service_tokens" add constraint "service_tokens_token_hash_unique" unique ("token_hash");`);

    this.addSql(`create table "runs" ("id" serial primary key, "created_at" timestamptz not null, "updated_at" timestamptz not null, "organization_id" int not null, "project_id" int not null, "suite_id" int not null, "environment_id" int not null, "status" text not null default 'queued', "status_reason" text null, "branch" varchar(255) not null, "commit" varchar(64) null, "triggered_by_id" int null, "triggered_by_token" int null, "triggered_by_name" varchar(200) not null, "dataset_version_id" int null, "started_at" timestamptz null, "completed_at" timestamptz null, "total_tests" int not null default 0, "passed_tests" int not null default 0, "failed_tests" int not null default 0, "skipped_tests" int not null default 0, "flaky_tests" int not null default 0, "duration_seconds" double precision null, "coverage_percent" double precision null, "run_metadata" jsonb not null, "artifacts_deleted" boolean not null default false, "artifacts_deleted_at" timestamptz null);`);
    this.addSql(`create index "runs_organization_id_id_index" on "runs" ("organization_id", "id");`);
    this.addSql(`create index "runs_project_id_id_index" on "runs" ("project_id", "id");`);
    this.addSql(`create index "runs_suite_id_id_index" on "runs" ("suite_id", "id");`);
    this.addSql(`create index "runs_environment_id_id_index" on "runs" ("environment_id", "id");`);
    this.addSql(`create index "runs_status_id_index" on "runs" ("status", "id");`);
    this.addSql(`create index "runs_branch_id_index" on "runs" ("branch", "id");`);
    this.addSql(`create index "runs_completed_at_index" on "runs" ("completed_at");`);

    this.addSql(`create table "run_artifacts" ("id" serial primary key, "created_at" timestamptz not null, "updated_at" timestamptz not null, "organization_id" int not null, "run_id" int not null, "kind" text not null, "storage_key" varchar(1024) not null, "name" varchar(500) not null, "content_type" varchar(200) not null, "size_bytes" bigint not null, "shard_index" int null);`);
    this.addSql(`create index "run_artifacts_organization_id_index" on "run_artifacts" ("organization_id");`);
    this.addSql(`alter table "run_artifacts" add constraint "run_artifacts_storage_key_unique" unique ("storage_key");`);
    this.addSql(`create index "run_artifacts_run_id_kind_index" on "run_artifacts" ("run_id", "kind");`);

    this.addSql(`alter table "infrastructure_resources" add constraint "infrastructure_resources_organization_id_foreign" foreign key ("organization_id") references "organizations" ("id");`);
    this.addSql(`alter table "infrastructure_resources" add constraint "infrastructure_resources_kind_check" check ("kind" in ('worker', 'grid'));`);

    this.addSql(`alter table "audit_logs" add constraint "audit_logs_organization_id_foreign" foreign key ("organization_id") references "organizations" ("id");`);

    this.addSql(`alter table "projects" add constraint "projects_organization_id_foreign" foreign key ("organization_id") references "organizations" ("id");`);
    this.addSql(`alter table "projects" add constraint "projects_auth_method_check" check ("auth_method" in ('none', 'token', 'ssh'));`);

    this.addSql(`alter table "features" add constraint "features_organization_id_foreign" foreign key ("organization_id") references "organizations" ("id");`);
    this.addSql(`alter table "features" add constraint "features_project_id_foreign" foreign key ("project_id") references "projects" ("id") on delete cascade;`);

    this.addSql(`alter table "datasets" add constraint "datasets_organization_id_foreign" foreign key ("organization_id") references "organizations" ("id");`);
    this.addSql(`alter table "datasets" add constraint "datasets_project_id_foreign" foreign key ("project_id") references "projects" ("id") on delete cascade;`);

    this.addSql(`alter table "environments" add constraint "environments_organization_id_foreign" foreign key ("organization_id") references "organizations" ("id");`);
    this.addSql(`alter table "environments" add constraint "environments_project_id_foreign" foreign key ("project_id") references "projects" ("id") on delete cascade;`);
    this.addSql(`alter table "environments" add constraint "environments_dataset_id_foreign" foreign key ("dataset_id") references "datasets" ("id") on delete set null;`);
    this.addSql(`alter table "environments" add constraint "environments_kind_check" check ("kind" in ('development', 'staging', 'production'));`);

    this.addSql(`alter table "dataset_versions" add constraint "dataset_versions_dataset_id_foreign" foreign key ("dataset_id") references "datasets" ("id") on delete cascade;`);
    this.addSql(`alter table "dataset_versions" add constraint "dataset_versions_validation_status_check" check ("validation_status" in ('pending', 'passed', 'failed'));`);

    this.addSql(`alter table "scenarios" add constraint "scenarios_organization_id_foreign" foreign key ("organization_id") references "organizations" ("id");`);
    this.addSql(`alter table "scenarios" add constraint "scenarios_project_id_foreign" foreign key ("project_id") references "projects" ("id") on delete cascade;`);
    this.addSql(`alter table "scenarios" add constraint "scenarios_feature_id_foreign" foreign key ("feature_id") references "features" ("id") on delete cascade;`);
    this.addSql(`alter table "scenarios" add constraint "scenarios_type_check" check ("type" in ('scenario', 'scenario_outline'));`);

    this.addSql(`alter table "steps" add constraint "steps_scenario_id_foreign" foreign key ("scenario_id") references "scenarios" ("id") on delete cascade;`);

    this.addSql(`alter table "suites" add constraint "suites_organization_id_foreign" foreign key ("organization_id") references "organizations" ("id");`);
    this.addSql(`alter table "suites" add constraint "suites_project_id_foreign" foreign key ("project_id") references "projects" ("id") on delete cascade;`);
    this.addSql(`alter table "suites" add constraint "suites_layer_check" check ("layer" in ('unit', 'contract', 'integration', 'e2e'));`);

    this.addSql(`alter table "users" add constraint "users_organization_id_foreign" foreign key ("organization_id") references "organizations" ("id");`);
    this.addSql(`alter table "users" add constraint "users_role_check" check ("role" in ('viewer', 'user', 'admin'));`);

    this.addSql(`alter table "service_tokens" add constraint "service_tokens_organization_id_foreign" foreign key ("organization_id") references "organizations" ("id");`);
    this.addSql(`alter table "service_tokens" add constraint "service_tokens_project_id_foreign" foreign key ("project_id") references "projects" ("id") on delete cascade;`);
    this.addSql(`alter table "service_tokens" add constraint "service_tokens_created_by_id_foreign" foreign key ("created_by_id") references "users" ("id") on delete set null;`);
    this.addSql(`alter table "service_tokens" add constraint "service_tokens_role_check" check ("role" in ('viewer', 'user', 'admin'));`);

    this.addSql(`alter table "runs" add constraint "runs_organization_id_foreign" foreign key ("organization_id") references "organizations" ("id");`);
    this.addSql(`alter table "runs" add constraint "runs_project_id_foreign" foreign key ("project_id") references "projects" ("id") on delete cascade;`);
    this.addSql(`alter table "runs" add constraint "runs_suite_id_foreign" foreign key ("suite_id") references "suites" ("id") on delete cascade;`);
    this.addSql(`alter table "runs" add constraint "runs_environment_id_foreign" foreign key ("environment_id") references "environments" ("id") on delete cascade;`);
    this.addSql(`alter table "runs" add constraint "runs_triggered_by_id_foreign" foreign key ("triggered_by_id") references "users" ("id") on delete set null;`);
    this.addSql(`alter table "runs" add constraint "runs_dataset_version_id_foreign" foreign key ("dataset_version_id") references "dataset_versions" ("id") on delete set null;`);
    this.addSql(`alter table "runs" add constraint "runs_status_check" check ("status" in ('queued', 'provisioning', 'running', 'reporting', 'completed', 'failed', 'partial_failed', 'timed_out', 'infra_failed', 'cancelled'));`);

    this.addSql(`alter table "run_artifacts" add constraint "run_artifacts_organization_id_foreign" foreign key ("organization_id") references "organizations" ("id");`);
    this.addSql(`alter table "run_artifacts" add constraint "run_artifacts_run_id_foreign" foreign key ("run_id") references "runs" ("id") on delete cascade;`);
    this.addSql(`alter table "run_artifacts" add constraint "run_artifacts_kind_check" check ("kind" in ('junit', 'allure_results', 'allure_report', 'coverage_data', 'coverage_xml', 'coverage_html', 'log', 'screenshot', 'other'));`);
  }

  override down(): void | Promise<void> {
    this.addSql(`alter table "infrastructure_resources" drop constraint "infrastructure_resources_organization_id_foreign";`);
    this.addSql(`alter table "audit_logs" drop constraint "audit_logs_organization_id_foreign";`);
    this.addSql(`alter table "projects" drop constraint "projects_organization_id_foreign";`);
    this.addSql(`alter table "features" drop constraint "features_organization_id_foreign";`);
    this.addSql(`alter table "datasets" drop constraint "datasets_organization_id_foreign";`);
    this.addSql(`alter table "environments" drop constraint "environments_organization_id_foreign";`);
    this.addSql(`alter table "scenarios" drop constraint "scenarios_organization_id_foreign";`);
    this.addSql(`alter table "suites" drop constraint "suites_organization_id_foreign";`);
    this.addSql(`alter table "users" drop constraint "users_organization_id_foreign";`);
    this.addSql(`alter table "service_tokens" drop constraint "service_tokens_organization_id_foreign";`);
    this.addSql(`alter table "runs" drop constraint "runs_organization_id_foreign";`);
    this.addSql(`alter table "run_artifacts" drop constraint "run_artifacts_organization_id_foreign";`);
    this.addSql(`alter table "features" drop constraint "features_project_id_foreign";`);
    this.addSql(`alter table "datasets" drop constraint "datasets_project_id_foreign";`);
    this.addSql(`alter table "environments" drop constraint "environments_project_id_foreign";`);
    this.addSql(`alter table "scenarios" drop constraint "scenarios_project_id_foreign";`);
    this.addSql(`alter table "suites" drop constraint "suites_project_id_foreign";`);
    this.addSql(`alter table "service_tokens" drop constraint "service_tokens_project_id_foreign";`);
    this.addSql(`alter table "runs" drop constraint "runs_project_id_foreign";`);
    this.addSql(`alter table "scenarios" drop constraint "scenarios_feature_id_foreign";`);
    this.addSql(`alter table "environments" drop constraint "environments_dataset_id_foreign";`);
    this.addSql(`alter table "dataset_versions" drop constraint "dataset_versions_dataset_id_foreign";`);
    this.addSql(`alter table "runs" drop constraint "runs_environment_id_foreign";`);
    this.addSql(`alter table "runs" drop constraint "runs_dataset_version_id_foreign";`);
    this.addSql(`alter table "steps" drop constraint "steps_scenario_id_foreign";`);
    this.addSql(`alter table "runs" drop constraint "runs_suite_id_foreign";`);
    this.addSql(`alter table "service_tokens" drop constraint "service_tokens_created_by_id_foreign";`);
    this.addSql(`alter table "runs" drop constraint "runs_triggered_by_id_foreign";`);
    this.addSql(`alter table "run_artifacts" drop constraint "run_artifacts_run_id_foreign";`);

    this.addSql(`drop table if exists "organizations" cascade;`);
    this.addSql(`drop table if exists "infrastructure_resources" cascade;`);
    this.addSql(`drop table if exists "audit_logs" cascade;`);
    this.addSql(`drop table if exists "projects" cascade;`);
    this.addSql(`drop table if exists "features" cascade;`);
    this.addSql(`drop table if exists "datasets" cascade;`);
    this.addSql(`drop table if exists "environments" cascade;`);
    this.addSql(`drop table if exists "dataset_versions" cascade;`);
    this.addSql(`drop table if exists "revoked_sessions" cascade;`);
    this.addSql(`drop table if exists "scenarios" cascade;`);
    this.addSql(`drop table if exists "steps" cascade;`);
    this.addSql(`drop table if exists "suites" cascade;`);
    this.addSql(`drop table if exists "users" cascade;`);
    this.addSql(`drop table if exists "service_tokens" cascade;`);
    this.addSql(`drop table if exists "runs" cascade;`);
    this.addSql(`drop table if exists "run_artifacts" cascade;`);
  }

}
