"""Stand-ins for extensions Supabase offers that the throwaway server cannot make.

Debian packages no pg_net and no Vault, yet a third of Supabase projects call ``net.http_post``
from a trigger and keep keys in ``vault.secrets``. Skipping them would leave those projects
unimported and their triggers untested. So where the server lacks one of these, ``create extension``
makes a stand-in (``standins/<name>.sql``, run by ``supautils`` as the platform's superuser): the schema and the functions projects call,
with the platform's grants, recording calls and sending nothing. It is then registered as the
extension itself (a row in ``pg_extension``, its objects members of it in ``pg_depend``), so that
``create extension if not exists`` finds it, and every catalog reader sees what a Supabase project
has: an extension, whose objects are not the project's. Only on a server schemagen started and
deletes; a user's server is never touched this way.
"""

from __future__ import annotations

#: Extension → (the schema its objects live in, None where it is the extension's own, the version
#: Supabase ships on Postgres 15).
STAND_INS = {"pg_net": ("net", "0.14.0"), "supabase_vault": ("vault", "0.3.1"), "http": (None, "1.6")}
#: Where the extension itself is registered when the statement names no schema, as on Supabase.
DEFAULT_SCHEMA = {"pg_net": "extensions", "supabase_vault": "vault", "http": "extensions"}
#: The names of a stand-in's objects, where they share a schema with other extensions' (``extensions``).
MEMBER_NAMES = {"http": r"^(http|urlencode)"}
#: What every Supabase project has from the start, as (extension, schema): Vault, which projects
#: read keys from without creating it.
PLATFORM = (("supabase_vault", "vault"),)
