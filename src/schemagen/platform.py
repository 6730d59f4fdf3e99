"""What ``platform: supabase`` declares to the specs: the platform's tables a stage may reference
or attach to, its roles, and the extensions it lets ``postgres`` create.

The tables' columns are those ``supabase_shim.sql`` makes in the throwaway database, which
mirrors a Supabase project on Postgres 15.8; tests/platform/ holds both to the real platform's
list, so a spec checked here is checked against the columns Supabase really has.
"""

from __future__ import annotations

from . import model as m

PROVIDER = "the Supabase platform"

#: Roles every Supabase project has, which policies and grants may name.
ROLES = ("anon", "authenticated", "service_role")


def _columns(spec: str, primary_key: str) -> tuple[m.Column, ...]:
    """``name type [not null]`` per line: the platform tables' columns as the shim makes them, each
    type spelt as PostgreSQL prints it (``format_type``)."""
    out = []
    for line in spec.strip().splitlines():
        name, _, rest = line.strip().partition(" ")
        not_null = rest.endswith(" not null")
        out.append(m.Column(name, rest.removesuffix(" not null"), not_null=not_null,
                            primary_key=name == primary_key))
    return tuple(out)


AUTH_USERS = m.ExternalTable("auth", "users", _columns("""
    instance_id uuid
    id uuid not null
    aud character varying(255)
    role character varying(255)
    email character varying(255)
    encrypted_password character varying(255)
    email_confirmed_at timestamp with time zone
    invited_at timestamp with time zone
    confirmation_token character varying(255)
    confirmation_sent_at timestamp with time zone
    recovery_token character varying(255)
    recovery_sent_at timestamp with time zone
    email_change_token_new character varying(255)
    email_change character varying(255)
    email_change_sent_at timestamp with time zone
    last_sign_in_at timestamp with time zone
    raw_app_meta_data jsonb
    raw_user_meta_data jsonb
    is_super_admin boolean
    created_at timestamp with time zone
    updated_at timestamp with time zone
    phone text
    phone_confirmed_at timestamp with time zone
    phone_change text
    phone_change_token character varying(255)
    phone_change_sent_at timestamp with time zone
    confirmed_at timestamp with time zone
    email_change_token_current character varying(255)
    email_change_confirm_status smallint
    banned_until timestamp with time zone
    reauthentication_token character varying(255)
    reauthentication_sent_at timestamp with time zone
    is_sso_user boolean not null
    deleted_at timestamp with time zone
    is_anonymous boolean not null
""", "id"), PROVIDER)

STORAGE_BUCKETS = m.ExternalTable("storage", "buckets", _columns("""
    id text not null
    name text not null
    owner uuid
    created_at timestamp with time zone
    updated_at timestamp with time zone
    public boolean
    avif_autodetection boolean
    file_size_limit bigint
    allowed_mime_types text[]
    owner_id text
""", "id"), PROVIDER)

STORAGE_OBJECTS = m.ExternalTable("storage", "objects", _columns("""
    id uuid not null
    bucket_id text
    name text
    owner uuid
    created_at timestamp with time zone
    updated_at timestamp with time zone
    last_accessed_at timestamp with time zone
    metadata jsonb
    path_tokens text[]
    version text
    owner_id text
    user_metadata jsonb
""", "id"), PROVIDER)

AUTH_SESSIONS = m.ExternalTable("auth", "sessions", _columns("""
    id uuid not null
    user_id uuid not null
    created_at timestamp with time zone
    updated_at timestamp with time zone
    factor_id uuid
    aal auth.aal_level
    not_after timestamp with time zone
    refreshed_at timestamp without time zone
    user_agent text
    ip inet
    tag text
""", "id"), PROVIDER)

AUTH_MFA_FACTORS = m.ExternalTable("auth", "mfa_factors", _columns("""
    id uuid not null
    user_id uuid not null
    friendly_name text
    factor_type auth.factor_type not null
    status auth.factor_status not null
    created_at timestamp with time zone not null
    updated_at timestamp with time zone not null
    secret text
    phone text
    last_challenged_at timestamp with time zone
    web_authn_credential jsonb
    web_authn_aaguid uuid
""", "id"), PROVIDER)

AUTH_IDENTITIES = m.ExternalTable("auth", "identities", _columns("""
    provider_id text not null
    user_id uuid not null
    identity_data jsonb not null
    provider text not null
    last_sign_in_at timestamp with time zone
    created_at timestamp with time zone
    updated_at timestamp with time zone
    email text
    id uuid not null
""", "id"), PROVIDER)

REALTIME_MESSAGES = m.ExternalTable("realtime", "messages", _columns("""
    topic text not null
    extension text not null
    payload jsonb
    event text
    private boolean
    updated_at timestamp without time zone not null
    inserted_at timestamp without time zone not null
    id uuid not null
""", ""), PROVIDER)

#: The platform's tables a stage may reference (auth.users) or attach policies and triggers to
#: (storage.objects; realtime.messages, whose policies authorize private channels).
TABLES = (AUTH_USERS, AUTH_SESSIONS, AUTH_MFA_FACTORS, AUTH_IDENTITIES, STORAGE_BUCKETS, STORAGE_OBJECTS,
          REALTIME_MESSAGES)

#: Extensions every Supabase project has from the start (supabase/postgres 15.8), which no stage
#: declares: never extra, never missing.
DEFAULT_EXTENSIONS = frozenset({"plpgsql", "pg_graphql", "pg_stat_statements", "pgcrypto", "pgjwt", "pgsodium",
                                "supabase_vault", "uuid-ossp"})

#: Extensions Supabase lets ``postgres`` create although they are not marked trusted: supautils'
#: ``privileged_extensions`` (Supabase's postgres image, supautils.conf) and ``vector``, which the
#: dashboard enables. supautils creates them as the platform's superuser.
PRIVILEGED_EXTENSIONS = frozenset("""
    address_standardizer address_standardizer_data_us autoinc bloom btree_gin btree_gist citext cube dblink
    dict_int dict_xsyn earthdistance fuzzystrmatch hstore http insert_username intarray isn ltree moddatetime
    pg_cron pg_graphql pg_hashids pg_jsonschema pg_net pg_stat_monitor pg_stat_statements pg_trgm
    pg_walinspect pgaudit pgcrypto pgjwt pgroonga pgroonga_database pgrouting pgrowlocks pgsodium pgtap
    plcoffee pljava plls plpgsql plpgsql_check plv8 postgis postgis_raster postgis_sfcgal
    postgis_tiger_geocoder postgis_topology postgres_fdw refint rum seg sslinfo supabase_vault tablefunc tcn
    timescaledb tsm_system_rows tsm_system_time unaccent uuid-ossp vector wrappers
""".split())

#: Extensions the platform puts in a schema of its choosing, whatever the statement names: pg_cron
#: lives in pg_catalog on Supabase (its functions and tables are in the schema ``cron`` either way).
EXTENSION_SCHEMAS = {"pg_cron": "pg_catalog"}


def _not_executable(extension: str) -> str:
    """Every function of ``extension`` taken from public: the throwaway server's postgres cannot call
    them (dblink would connect to any server it can name, outside the transaction schemagen rolls back)."""
    return (f"do $revoke$ declare f regprocedure; begin for f in select d.objid::regprocedure from pg_depend d "
            f"where d.classid = 'pg_proc'::regclass and d.refclassid = 'pg_extension'::regclass and d.refobjid = "
            f"(select oid from pg_extension where extname = '{extension}') loop "
            f"execute format('revoke all on function %s from public', f); end loop; end $revoke$")


#: What the platform grants once it has made an extension, so that ``postgres`` can use it (and
#: grant it on), or what the throwaway server takes away: for pg_cron, the schema ``cron``, its
#: functions, and its tables, of which the jobs table is read-only (a job is scheduled through
#: cron.schedule, which checks who asks); for dblink, every function.
AFTER_CREATE = {
    # On Supabase postgres may connect out with dblink; from a server that runs pull requests' SQL,
    # nothing connects out (docs/security.md). postgres_fdw needs usage on its wrapper, never granted.
    "dblink": (_not_executable("dblink"),),
    "pg_cron": (
        "grant usage on schema cron to postgres with grant option",
        "grant all on all functions in schema cron to postgres with grant option",
        "grant all on all tables in schema cron to postgres with grant option",
        "grant all on all sequences in schema cron to postgres with grant option",
        "revoke all on table cron.job from postgres",
        "grant select on table cron.job to postgres with grant option",
    ),
}


def creatable_here(name_column: str) -> str:
    """A condition on an extension's name that holds where it can be created in this database:
    pg_cron only in a server that loaded it, in the one database it was loaded for. (Read from
    pg_settings, which leaves out what the role may not see, where current_setting fails.)"""
    return (f"({name_column} <> 'pg_cron' or exists (select from pg_catalog.pg_settings "
            "where name = 'cron.database_name' and setting = current_database()))")


#: Libraries a server must load at start for an extension to be created at all; a throwaway
#: server loads those it has (jobs never run there: a schedule is a row, not work to do).
PRELOADED = {"pg_cron": ("cron.max_running_jobs=0",)}


#: The predefined roles that reach the server's machine: run a program (``copy … to program``),
#: read or write any file the server's user can. On PostgreSQL 15 a role with ``createrole``, as
#: ``postgres`` is on Supabase, may grant itself any role that is not a superuser, these included;
#: the platform stops that with supautils (``reserved_memberships``). The throwaway server closes
#: them (``pgserver``), and ``validate --db`` refuses a login that has or may take them.
HOST_ROLES = ("pg_execute_server_program", "pg_read_server_files", "pg_write_server_files")

#: Schemas Supabase runs its services in: their objects are the platform's, not a project's (import
#: takes only what a source attaches to their tables; lint knows their tables without a declaration).
SCHEMAS = frozenset({"auth", "storage", "extensions", "realtime", "_realtime", "graphql", "graphql_public", "vault",
                     "pgsodium", "pgsodium_masks", "net", "supabase_functions", "supabase_migrations", "cron",
                     "pgbouncer", "_analytics", "pgtle", "information_schema"})
