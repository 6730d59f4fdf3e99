-- The Supabase platform a project's migrations run on, written for schemagen's throwaway
-- databases from Supabase's documented schema. It mirrors a Supabase project on Postgres 15.8
-- (auth and storage as of 2025-03): the roles with their attributes and memberships; auth
-- (users with all its columns, uid(), role(), email(), jwt()); storage (buckets, objects, the
-- path helpers foldername(), filename(), extension()); the extensions schema with uuid-ossp and
-- pgcrypto; the supabase_realtime publication; and the grants and default privileges the API
-- roles get on public. tests/platform/supabase-15.8.txt lists the real platform's names and
-- types, and a test holds this file to it. Never emitted into a migration: on Supabase all of
-- this already exists. Each object is made only where it is missing, so on a user's own server
-- (validate --db) what is there stays as it is.

-- Roles, with the attributes the platform gives them. Only the platform's superuser may give
-- some (replication); elsewhere the role is left to its owner.
do $$
declare
  wanted record;
begin
  for wanted in select * from (values
      ('anon', 'nologin inherit'),
      ('authenticated', 'nologin inherit'),
      ('service_role', 'nologin inherit bypassrls'),
      ('authenticator', 'login noinherit'),
      ('supabase_auth_admin', 'login noinherit createrole'),
      ('supabase_storage_admin', 'login noinherit createrole'),
      ('supabase_realtime_admin', 'nologin noinherit')) as r(name, options)
  loop
    if not exists (select from pg_roles where rolname = wanted.name) then
      begin
        execute format('create role %I %s', wanted.name, wanted.options);
      exception when insufficient_privilege then
        null;
      end;
    end if;
  end loop;
end
$$;

-- Memberships: the API's connection role becomes the API roles; postgres, which migrations
-- run as, may act as them and as the auth and storage services' owners (so it creates policies
-- on storage.objects and triggers on auth.users).
do $$
declare
  wanted record;
begin
  for wanted in select * from (values
      ('anon', 'authenticator'), ('authenticated', 'authenticator'), ('service_role', 'authenticator'),
      ('anon', 'postgres'), ('authenticated', 'postgres'), ('service_role', 'postgres'),
      ('supabase_auth_admin', 'postgres'), ('supabase_storage_admin', 'postgres'),
      ('supabase_realtime_admin', 'postgres'), ('authenticator', 'supabase_storage_admin'),
      ('pg_read_all_data', 'postgres'), ('pg_monitor', 'postgres'), ('pg_signal_backend', 'postgres'))
      as r(granted, member)
  loop
    if exists (select from pg_roles where rolname = wanted.granted)
        and exists (select from pg_roles where rolname = wanted.member)
        and not pg_has_role(wanted.member, wanted.granted, 'member') then
      begin
        execute format('grant %I to %I', wanted.granted, wanted.member);
      exception when insufficient_privilege then
        null;
      end;
    end if;
  end loop;
end
$$;

grant usage on schema public to anon, authenticated, service_role;

-- What the migration role creates in public is granted to the API roles, as on Supabase
-- (whose init scripts ran as postgres, before it was demoted): for postgres and for
-- whoever installs this slice.
do $$
declare
  creator text;
begin
  foreach creator in array array['postgres', current_user] loop
    if exists (select from pg_roles where rolname = creator) and pg_has_role(creator, 'member') then
      execute format('alter default privileges for role %I in schema public '
                     'grant all on tables to anon, authenticated, service_role', creator);
      execute format('alter default privileges for role %I in schema public '
                     'grant all on sequences to anon, authenticated, service_role', creator);
      execute format('alter default privileges for role %I in schema public '
                     'grant all on functions to anon, authenticated, service_role', creator);
    end if;
  end loop;
end
$$;

-- Extensions live in their own schema, which postgres owns, on the search path.
do $$
begin
  if not exists (select from pg_namespace where nspname = 'extensions') then
    create schema extensions;
    if exists (select from pg_roles where rolname = 'postgres') then
      alter schema extensions owner to postgres;
    end if;
  end if;
end
$$;
grant usage on schema extensions to anon, authenticated, service_role;
create extension if not exists "uuid-ossp" with schema extensions;
create extension if not exists pgcrypto with schema extensions;
do $$
begin
  if exists (select from pg_roles where rolname = 'postgres') then
    alter role postgres set search_path = "$user", public, extensions;
  end if;
exception when insufficient_privilege then
  null;  -- a user's own server (validate --db): its roles keep their settings
end
$$;
select set_config('search_path', '"$user", public, extensions', false);

-- Realtime streams the tables stages add to this publication (empty at first, as on Supabase).
do $$
begin
  if not exists (select from pg_publication where pubname = 'supabase_realtime') then
    create publication supabase_realtime;
    -- Supabase's init scripts ran as postgres, which so owns it and may add tables to it
    if exists (select from pg_roles where rolname = 'postgres') then
      alter publication supabase_realtime owner to postgres;
    end if;
  end if;
end
$$;

-- auth: the users table with every column GoTrue keeps, and the functions policies call.
create schema if not exists auth;
grant usage on schema auth to anon, authenticated, service_role;
do $$
begin
  if exists (select from pg_roles where rolname = 'supabase_auth_admin') then
    grant all on schema auth to supabase_auth_admin;
  end if;
end
$$;

do $$
begin
  if to_regclass('auth.users') is not null then
    return;
  end if;
  create table auth.users (
    instance_id uuid,
    id uuid not null,
    aud varchar(255),
    role varchar(255),
    email varchar(255),
    encrypted_password varchar(255),
    email_confirmed_at timestamptz,
    invited_at timestamptz,
    confirmation_token varchar(255),
    confirmation_sent_at timestamptz,
    recovery_token varchar(255),
    recovery_sent_at timestamptz,
    email_change_token_new varchar(255),
    email_change varchar(255),
    email_change_sent_at timestamptz,
    last_sign_in_at timestamptz,
    raw_app_meta_data jsonb,
    raw_user_meta_data jsonb,
    is_super_admin boolean,
    created_at timestamptz,
    updated_at timestamptz,
    phone text default null,
    phone_confirmed_at timestamptz,
    phone_change text default '',
    phone_change_token varchar(255) default '',
    phone_change_sent_at timestamptz,
    confirmed_at timestamptz generated always as (least(email_confirmed_at, phone_confirmed_at)) stored,
    email_change_token_current varchar(255) default '',
    email_change_confirm_status smallint default 0,
    banned_until timestamptz,
    reauthentication_token varchar(255) default '',
    reauthentication_sent_at timestamptz,
    is_sso_user boolean default false not null,
    deleted_at timestamptz,
    is_anonymous boolean default false not null,
    constraint users_pkey primary key (id),
    constraint users_phone_key unique (phone),
    constraint users_email_change_confirm_status_check
      check (email_change_confirm_status >= 0 and email_change_confirm_status <= 2)
  );
  comment on table auth.users is 'Auth: Stores user login data within a secure schema.';
  if exists (select from pg_roles where rolname = 'supabase_auth_admin') then
    alter table auth.users owner to supabase_auth_admin;
  end if;
end
$$;

-- The other auth tables projects' functions and policies read: sessions (a policy checks the
-- session's aal), the MFA factors, challenges and claims, identities and the audit log, with the
-- types they use, as Supabase Auth's migrations leave them on the 15.8 platform. Rows come from
-- Supabase Auth; here they are only read (and made by the RLS probe).
do $$
begin
  if to_regclass('auth.sessions') is not null then
    return;
  end if;
  create type auth.aal_level as enum ('aal1', 'aal2', 'aal3');
  create type auth.factor_type as enum ('totp', 'webauthn', 'phone');
  create type auth.factor_status as enum ('unverified', 'verified');
  create table auth.sessions (
    id uuid not null primary key,
    user_id uuid not null references auth.users (id) on delete cascade,
    created_at timestamptz,
    updated_at timestamptz,
    factor_id uuid,
    aal auth.aal_level,
    not_after timestamptz,
    refreshed_at timestamp,
    user_agent text,
    ip inet,
    tag text
  );
  comment on table auth.sessions is 'Auth: Stores session data associated to a user.';
  create table auth.mfa_factors (
    id uuid not null primary key,
    user_id uuid not null references auth.users (id) on delete cascade,
    friendly_name text,
    factor_type auth.factor_type not null,
    status auth.factor_status not null,
    created_at timestamptz not null,
    updated_at timestamptz not null,
    secret text,
    phone text,
    last_challenged_at timestamptz unique,
    web_authn_credential jsonb,
    web_authn_aaguid uuid
  );
  comment on table auth.mfa_factors is 'auth: stores metadata about factors';
  create table auth.mfa_challenges (
    id uuid not null primary key,
    factor_id uuid not null references auth.mfa_factors (id) on delete cascade,
    created_at timestamptz not null,
    verified_at timestamptz,
    ip_address inet not null,
    otp_code text,
    web_authn_session_data jsonb
  );
  comment on table auth.mfa_challenges is 'auth: stores metadata about challenge requests made';
  create table auth.mfa_amr_claims (
    session_id uuid not null references auth.sessions (id) on delete cascade,
    created_at timestamptz not null,
    updated_at timestamptz not null,
    authentication_method text not null,
    id uuid not null primary key,
    unique (session_id, authentication_method)
  );
  comment on table auth.mfa_amr_claims is 'auth: stores authenticator method reference claims for multi factor authentication';
  create table auth.identities (
    provider_id text not null,
    user_id uuid not null references auth.users (id) on delete cascade,
    identity_data jsonb not null,
    provider text not null,
    last_sign_in_at timestamptz,
    created_at timestamptz,
    updated_at timestamptz,
    email text generated always as (lower(identity_data ->> 'email')) stored,
    id uuid not null default gen_random_uuid() primary key,
    unique (provider_id, provider)
  );
  comment on table auth.identities is 'Auth: Stores identities associated to a user.';
  create table auth.audit_log_entries (
    instance_id uuid,
    id uuid not null primary key,
    payload json,
    created_at timestamptz,
    ip_address varchar(64) not null default ''
  );
  comment on table auth.audit_log_entries is 'Auth: Audit trail for user actions.';
  if exists (select from pg_roles where rolname = 'supabase_auth_admin') then
    alter table auth.sessions owner to supabase_auth_admin;
    alter table auth.mfa_factors owner to supabase_auth_admin;
    alter table auth.mfa_challenges owner to supabase_auth_admin;
    alter table auth.mfa_amr_claims owner to supabase_auth_admin;
    alter table auth.identities owner to supabase_auth_admin;
    alter table auth.audit_log_entries owner to supabase_auth_admin;
    alter type auth.aal_level owner to supabase_auth_admin;
    alter type auth.factor_type owner to supabase_auth_admin;
    alter type auth.factor_status owner to supabase_auth_admin;
  end if;
end
$$;

-- Realtime's broadcast and presence authorization: realtime.messages, whose policies decide who may
-- join a private channel, and realtime.topic(), the channel a policy is asked about. Owned by the
-- realtime admin, whom postgres may act as, so that migrations add policies to it. (The platform
-- partitions the table by day; a policy cannot tell.)
do $$
begin
  if to_regclass('realtime.messages') is not null then
    return;
  end if;
  create schema if not exists realtime;
  create table realtime.messages (
    topic text not null,
    extension text not null,
    payload jsonb,
    event text,
    private boolean default false,
    updated_at timestamp not null default now(),
    inserted_at timestamp not null default now(),
    id uuid not null default gen_random_uuid(),
    primary key (id, inserted_at)
  );
  alter table realtime.messages enable row level security;
  create function realtime.topic() returns text language sql stable as $topic$
    select nullif(current_setting('realtime.topic', true), '')::text
  $topic$;
  grant usage on schema realtime to postgres, anon, authenticated, service_role;
  grant select, insert, update on realtime.messages to postgres, anon, authenticated, service_role;
  grant execute on function realtime.topic() to postgres, anon, authenticated, service_role;
  if exists (select from pg_roles where rolname = 'supabase_realtime_admin') then
    grant usage, create on schema realtime to supabase_realtime_admin;  -- an owner needs both
    alter table realtime.messages owner to supabase_realtime_admin;
    alter function realtime.topic() owner to supabase_realtime_admin;
  end if;
end
$$;

create or replace function auth.uid() returns uuid
  language sql stable
as $$
  select coalesce(
    nullif(current_setting('request.jwt.claim.sub', true), ''),
    (nullif(current_setting('request.jwt.claims', true), '')::jsonb ->> 'sub')
  )::uuid
$$;

create or replace function auth.role() returns text
  language sql stable
as $$
  select coalesce(
    nullif(current_setting('request.jwt.claim.role', true), ''),
    (nullif(current_setting('request.jwt.claims', true), '')::jsonb ->> 'role')
  )::text
$$;

create or replace function auth.email() returns text
  language sql stable
as $$
  select coalesce(
    nullif(current_setting('request.jwt.claim.email', true), ''),
    (nullif(current_setting('request.jwt.claims', true), '')::jsonb ->> 'email')
  )::text
$$;

create or replace function auth.jwt() returns jsonb
  language sql stable
as $$
  select coalesce(
    nullif(current_setting('request.jwt.claim', true), ''),
    nullif(current_setting('request.jwt.claims', true), '')
  )::jsonb
$$;

grant execute on function auth.uid(), auth.role(), auth.email(), auth.jwt()
  to anon, authenticated, service_role;

do $$
begin
  if exists (select from pg_roles where rolname = 'supabase_auth_admin')
      and (select proowner from pg_proc where oid = 'auth.uid()'::regprocedure)
          = (select oid from pg_roles where rolname = current_user) then
    alter function auth.uid() owner to supabase_auth_admin;
    alter function auth.role() owner to supabase_auth_admin;
    alter function auth.email() owner to supabase_auth_admin;
    alter function auth.jwt() owner to supabase_auth_admin;
  end if;
end
$$;

-- storage: buckets and the objects in them, with the helpers bucket policies call.
create schema if not exists storage;
grant usage on schema storage to anon, authenticated, service_role;
do $$
begin
  if exists (select from pg_roles where rolname = 'supabase_storage_admin') then
    grant all on schema storage to supabase_storage_admin;
  end if;
end
$$;

do $$
begin
  if to_regclass('storage.buckets') is not null then
    return;
  end if;
  create table storage.buckets (
    id text not null,
    name text not null,
    owner uuid,
    created_at timestamptz default now(),
    updated_at timestamptz default now(),
    public boolean default false,
    avif_autodetection boolean default false,
    file_size_limit bigint,
    allowed_mime_types text[],
    owner_id text,
    constraint buckets_pkey primary key (id)
  );
  create unique index bname on storage.buckets using btree (name);
  comment on column storage.buckets.owner is 'Field is deprecated, use owner_id instead';

  create table storage.objects (
    id uuid default gen_random_uuid() not null,
    bucket_id text,
    name text,
    owner uuid,
    created_at timestamptz default now(),
    updated_at timestamptz default now(),
    last_accessed_at timestamptz default now(),
    metadata jsonb,
    path_tokens text[] generated always as (string_to_array(name, '/')) stored,
    version text,
    owner_id text,
    user_metadata jsonb,
    constraint objects_pkey primary key (id),
    constraint "objects_bucketId_fkey" foreign key (bucket_id) references storage.buckets (id)
  );
  create unique index bucketid_objname on storage.objects using btree (bucket_id, name);
  create index name_prefix_search on storage.objects using btree (name text_pattern_ops);
  comment on column storage.objects.owner is 'Field is deprecated, use owner_id instead';

  alter table storage.buckets enable row level security;
  alter table storage.objects enable row level security;
  grant all on storage.buckets, storage.objects to anon, authenticated, service_role;
  if exists (select from pg_roles where rolname = 'supabase_storage_admin') then
    alter table storage.buckets owner to supabase_storage_admin;
    alter table storage.objects owner to supabase_storage_admin;
  end if;
end
$$;

create or replace function storage.foldername(name text) returns text[]
  language plpgsql
as $$
declare
  parts text[] := string_to_array(name, '/');
begin
  return parts[1:array_length(parts, 1) - 1];
end
$$;

create or replace function storage.filename(name text) returns text
  language plpgsql
as $$
declare
  parts text[] := string_to_array(name, '/');
begin
  return parts[array_length(parts, 1)];
end
$$;

create or replace function storage.extension(name text) returns text
  language plpgsql
as $$
declare
  parts text[] := string_to_array(name, '/');
begin
  return reverse(split_part(reverse(parts[array_length(parts, 1)]), '.', 1));
end
$$;

create or replace function storage.update_updated_at_column() returns trigger
  language plpgsql
as $$
begin
  new.updated_at = now();
  return new;
end
$$;

do $$
begin
  if not exists (select from pg_trigger where tgname = 'update_objects_updated_at'
                 and tgrelid = 'storage.objects'::regclass) then
    create trigger update_objects_updated_at before update on storage.objects
      for each row execute function storage.update_updated_at_column();
  end if;
  if exists (select from pg_roles where rolname = 'supabase_storage_admin')
      and (select proowner from pg_proc where oid = 'storage.foldername(text)'::regprocedure)
          = (select oid from pg_roles where rolname = current_user) then
    alter function storage.foldername(text) owner to supabase_storage_admin;
    alter function storage.filename(text) owner to supabase_storage_admin;
    alter function storage.extension(text) owner to supabase_storage_admin;
    alter function storage.update_updated_at_column() owner to supabase_storage_admin;
  end if;
end
$$;
