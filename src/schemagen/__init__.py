"""schemagen: schema as code for PostgreSQL and Supabase."""

__version__ = "0.1.0"
