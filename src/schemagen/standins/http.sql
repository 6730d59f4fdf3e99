-- A stand-in for the http extension (pgsql-http, synchronous HTTP from SQL) on schemagen's
-- throwaway server, in the schema the migration names (@extschema@, Supabase's extensions): its
-- types and the functions projects call. Each request is recorded in @extschema@.http_request_log
-- and answered with an empty 200; nothing is sent. Registered as the extension http by
-- stand_ins.register. No function here is security definer: the schema may be one a migration
-- owns, and nothing may run as the superuser after spec SQL.

create domain @extschema@.http_method as text;

create type @extschema@.http_header as (field character varying, value character varying);

create type @extschema@.http_request as (
  method @extschema@.http_method,
  uri character varying,
  headers @extschema@.http_header[],
  content_type character varying,
  content character varying
);

create type @extschema@.http_response as (
  status integer,
  content_type character varying,
  headers @extschema@.http_header[],
  content character varying
);

create table @extschema@.http_request_log (
  id bigserial primary key,
  request @extschema@.http_request not null,
  made_at timestamptz not null default now()
);

create function @extschema@.http_header(field character varying, value character varying)
returns @extschema@.http_header language sql immutable as $fn$
  select row(field, value)::@extschema@.http_header
$fn$;

create function @extschema@.http(request @extschema@.http_request)
returns @extschema@.http_response language plpgsql set search_path = '' as $fn$
begin
  if request.uri is null then
    raise exception 'http request needs a uri';
  end if;
  insert into @extschema@.http_request_log (request) values (request);
  return row(200, 'text/plain', array[]::@extschema@.http_header[], '')::@extschema@.http_response;
end
$fn$;

create function @extschema@.http_get(uri character varying)
returns @extschema@.http_response language sql as $fn$
  select @extschema@.http(row('GET', uri, null, null, null)::@extschema@.http_request)
$fn$;

create function @extschema@.http_get(uri character varying, data jsonb)
returns @extschema@.http_response language sql as $fn$
  select @extschema@.http(row('GET', uri, null, null, data::text)::@extschema@.http_request)
$fn$;

create function @extschema@.http_post(uri character varying, content character varying, content_type character varying)
returns @extschema@.http_response language sql as $fn$
  select @extschema@.http(row('POST', uri, null, content_type, content)::@extschema@.http_request)
$fn$;

create function @extschema@.http_post(uri character varying, data jsonb)
returns @extschema@.http_response language sql as $fn$
  select @extschema@.http(row('POST', uri, null, 'application/json', data::text)::@extschema@.http_request)
$fn$;

create function @extschema@.http_put(uri character varying, content character varying, content_type character varying)
returns @extschema@.http_response language sql as $fn$
  select @extschema@.http(row('PUT', uri, null, content_type, content)::@extschema@.http_request)
$fn$;

create function @extschema@.http_patch(uri character varying, content character varying, content_type character varying)
returns @extschema@.http_response language sql as $fn$
  select @extschema@.http(row('PATCH', uri, null, content_type, content)::@extschema@.http_request)
$fn$;

create function @extschema@.http_delete(uri character varying)
returns @extschema@.http_response language sql as $fn$
  select @extschema@.http(row('DELETE', uri, null, null, null)::@extschema@.http_request)
$fn$;

create function @extschema@.http_head(uri character varying)
returns @extschema@.http_response language sql as $fn$
  select @extschema@.http(row('HEAD', uri, null, null, null)::@extschema@.http_request)
$fn$;

create function @extschema@.urlencode(string character varying)
returns text language sql immutable strict as $fn$
  select string_agg(case when ch ~ '[A-Za-z0-9_.~-]' then ch
                         else upper(regexp_replace(encode(convert_to(ch, 'UTF8'), 'hex'), '(..)', '%\1', 'g')) end, '')
  from regexp_split_to_table(string, '') as ch
$fn$;

grant usage on schema @extschema@ to postgres, anon, authenticated, service_role;
grant insert on @extschema@.http_request_log to postgres, anon, authenticated, service_role;
grant usage on sequence @extschema@.http_request_log_id_seq to postgres, anon, authenticated, service_role;

do $grant$
declare
  f regprocedure;
begin
  for f in select p.oid::regprocedure from pg_catalog.pg_proc p
           where p.pronamespace = '@extschema@'::regnamespace and p.proname ~ '^(http|urlencode)' loop
    execute format('grant execute on function %s to postgres, anon, authenticated, service_role', f);
  end loop;
end
$grant$;
