-- A stand-in for pg_net, Supabase's asynchronous HTTP client, on schemagen's throwaway server
-- (Debian packages no pg_net). The same schema and public functions, with the grants Supabase
-- gives: net.http_get, net.http_post and net.http_delete check their arguments and record the
-- request in net.http_request_queue, returning its id as pg_net does; nothing is sent, and no
-- response ever arrives in net._http_response. A request without a url is recorded too: where a
-- project builds it from a secret the throwaway server does not hold, the trigger still runs.
-- No function here is security definer: the stand-in may land in a schema a migration made, whose
-- owner could put a trigger behind the queue, and nothing may run as the superuser after spec SQL. Made by the cluster's superuser; registered as
-- the extension pg_net by stand_ins.register, so that the catalog shows what the platform's does.

create schema if not exists net;

create table if not exists net.http_request_queue (
  id bigserial,
  method text not null,
  url text,
  headers jsonb,
  body bytea,
  timeout_milliseconds integer not null
);

create table if not exists net._http_response (
  id bigint,
  status_code integer,
  content_type text,
  headers jsonb,
  content text,
  timed_out boolean,
  error_msg text,
  created timestamptz not null default now()
);

create or replace function net._record(method text, url text, headers jsonb, body jsonb, timeout_milliseconds integer)
returns bigint language plpgsql set search_path = net as $fn$
declare
  request_id bigint;
begin
  if timeout_milliseconds is null or timeout_milliseconds <= 0 then
    raise exception 'timeout_milliseconds must be a positive number';
  end if;
  insert into net.http_request_queue (method, url, headers, body, timeout_milliseconds)
  values (method, url, coalesce(headers, '{}'::jsonb), convert_to(body::text, 'UTF8'), timeout_milliseconds)
  returning id into request_id;
  return request_id;
end
$fn$;

create or replace function net.http_get(url text, params jsonb default '{}'::jsonb, headers jsonb default '{}'::jsonb,
                                        timeout_milliseconds integer default 5000)
returns bigint language sql set search_path = net as $fn$
  select net._record('GET', url, headers, null, timeout_milliseconds)
$fn$;

create or replace function net.http_post(url text, body jsonb default '{}'::jsonb, params jsonb default '{}'::jsonb,
                                         headers jsonb default '{"Content-Type": "application/json"}'::jsonb,
                                         timeout_milliseconds integer default 5000)
returns bigint language plpgsql set search_path = net as $fn$
begin
  if body is null then
    raise exception 'body must not be null';
  end if;
  return net._record('POST', url, headers, body, timeout_milliseconds);
end
$fn$;

create or replace function net.http_delete(url text, params jsonb default '{}'::jsonb,
                                           headers jsonb default '{}'::jsonb, timeout_milliseconds integer default 5000)
returns bigint language sql set search_path = net as $fn$
  select net._record('DELETE', url, headers, null, timeout_milliseconds)
$fn$;

grant usage on schema net to postgres, anon, authenticated, service_role;
grant execute on function net.http_get(text, jsonb, jsonb, integer), net.http_post(text, jsonb, jsonb, jsonb, integer),
  net.http_delete(text, jsonb, jsonb, integer) to postgres, anon, authenticated, service_role;
grant all on all tables in schema net to postgres;
grant insert, select (id) on net.http_request_queue to anon, authenticated, service_role;
grant usage on sequence net.http_request_queue_id_seq to postgres, anon, authenticated, service_role;
grant execute on function net._record(text, text, jsonb, jsonb, integer) to postgres, anon, authenticated, service_role;
