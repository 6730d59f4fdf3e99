-- Supabase's database webhooks, for schemagen's throwaway databases: what the platform adds when a
-- project turns webhooks on, and what a trigger made in the dashboard calls,
-- supabase_functions.http_request(url, method, headers, params, timeout_ms). The platform's sends
-- the request through pg_net; this one checks its arguments as that one does and records the call
-- in supabase_functions.hooks, sending nothing. Made only where it is missing, so a server that
-- has the real one (validate --db on a local Supabase) keeps it.

create schema if not exists supabase_functions;
grant usage on schema supabase_functions to postgres, anon, authenticated, service_role;

do $$
begin
  if to_regclass('supabase_functions.hooks') is not null then
    return;
  end if;
  create table supabase_functions.hooks (
    id bigserial primary key,
    hook_table_id integer not null,
    hook_name text not null,
    created_at timestamptz not null default now(),
    request_id bigint
  );
  comment on table supabase_functions.hooks is 'Supabase Functions Hooks: Audit trail for triggered hooks.';
end
$$;

do $$
begin
  if to_regprocedure('supabase_functions.http_request()') is not null then
    return;
  end if;
  create function supabase_functions.http_request() returns trigger
  language plpgsql security definer set search_path = supabase_functions as $body$
  begin
    if tg_argv[0] is null or tg_argv[0] = 'null' then
      raise exception 'url argument is missing';
    end if;
    if tg_argv[1] is not null and tg_argv[1] not in ('null', 'GET', 'POST') then
      raise exception 'method argument % is invalid', tg_argv[1];
    end if;
    if tg_argv[2] is not null and tg_argv[2] <> 'null' then
      perform tg_argv[2]::jsonb;
    end if;
    if tg_argv[3] is not null and tg_argv[3] <> 'null' then
      perform tg_argv[3]::jsonb;
    end if;
    if tg_argv[4] is not null and tg_argv[4] <> 'null' then
      perform tg_argv[4]::integer;
    end if;
    insert into supabase_functions.hooks (hook_table_id, hook_name) values (tg_relid, tg_name);
    return new;
  end
  $body$;
  grant execute on function supabase_functions.http_request() to postgres, anon, authenticated, service_role;
end
$$;
