-- The parts of the Supabase platform that migrations rely on, as Supabase's own
-- images define them. Installed into throwaway databases before the stages so that
-- policies "to authenticated" and calls to auth.uid() resolve. Never emitted into
-- a migration: on Supabase these already exist.

do $$
begin
  if not exists (select from pg_roles where rolname = 'anon') then
    create role anon nologin noinherit;
  end if;
  if not exists (select from pg_roles where rolname = 'authenticated') then
    create role authenticated nologin noinherit;
  end if;
  if not exists (select from pg_roles where rolname = 'service_role') then
    create role service_role nologin noinherit bypassrls;
  end if;
  if not exists (select from pg_roles where rolname = 'authenticator') then
    create role authenticator login noinherit;
  end if;
end
$$;

grant anon, authenticated, service_role to authenticator;
-- On Supabase the migration role may act as the API roles (the SQL editor's "run as").
do $$
begin
  if exists (select from pg_roles where rolname = 'postgres') then
    grant anon, authenticated, service_role to postgres;
  end if;
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

-- Extensions live in their own schema, on the search path (Supabase's init scripts).
create schema if not exists extensions;
grant usage on schema extensions to anon, authenticated, service_role;
create extension if not exists "uuid-ossp" with schema extensions;
create extension if not exists pgcrypto with schema extensions;
do $$
begin
  if exists (select from pg_roles where rolname = 'postgres') then
    grant all on schema extensions to postgres;
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

create schema if not exists auth;
grant usage on schema auth to anon, authenticated, service_role;

create table if not exists auth.users (
  id uuid primary key,
  email text,
  phone text,
  created_at timestamptz default now(),
  raw_user_meta_data jsonb,
  raw_app_meta_data jsonb
);

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

-- The migration role references auth.users and puts triggers on it (Supabase's "demote postgres").
do $$
begin
  if exists (select from pg_roles where rolname = 'postgres') then
    grant all on schema auth to postgres;
    grant all on all tables in schema auth to postgres;
    grant all on all routines in schema auth to postgres;
  end if;
end
$$;
