"""Importing this package registers every rule, in code order."""

from . import (  # noqa: F401
    sg001_keywords_lowercase,
    sg002_table_comment,
    sg003_column_comment,
    sg004_rls_disabled,
    sg005_rls_no_policy,
    sg006_policy_for_all,
    sg007_policy_rls_off,
    sg008_always_true_write,
    sg009_nullable_owner,
    sg010_auth_initplan,
    sg011_multiple_permissive,
    sg012_unindexed_fk,
    sg013_duplicate_index,
    sg014_policy_column_unindexed,
    sg015_no_primary_key,
    sg016_policy_without_roles,
    sg017_name_too_long,
    sg018_diagram_type,
    sg019_waivers,
    sg020_policy_without_condition,
)
