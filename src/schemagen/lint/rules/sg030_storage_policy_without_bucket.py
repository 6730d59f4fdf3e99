from __future__ import annotations

from typing import Iterator

from ...model import Attachment, Project, Stage
from ...sqltokens import LexError, tokenize
from ..registry import Finding, Rule, register


def _names_bucket(sql: str | None) -> bool:
    if sql is None:
        return False
    try:
        return any(t.kind in ("word", "quoted_ident") and t.ident == "bucket_id" for t in tokenize(sql))
    except LexError:
        return True


@register
class StoragePolicyWithoutBucket(Rule):
    """Every policy on ``storage.objects`` names the bucket it is for.

    All buckets' files are rows of the one table ``storage.objects``, so a policy there
    that does not test ``bucket_id`` applies to every bucket: the one it was written
    for, the others, and any bucket added later. An upload rule meant for avatars then
    also lets users write into the invoices bucket.

    Anti-pattern: ``with_check: (storage.foldername(name))[1] = (select auth.uid())::text``
    Best practice: ``with_check: bucket_id = 'avatars' and (storage.foldername(name))[1] =
    (select auth.uid())::text``
    """

    code = "SG030"
    name = "security.storage-policy-without-bucket"
    severity = "warning"
    checklist = "Granular policies"

    def check_attachment(self, attachment: Attachment, stage: Stage, project: Project) -> Iterator[Finding]:
        if attachment.key != ("storage", "objects"):
            return
        for policy in attachment.policies:
            if not (_names_bucket(policy.using) or _names_bucket(policy.with_check)):
                yield Finding(policy.pos, f'policy "{policy.name}" on storage.objects does not test bucket_id, so it '
                              "applies to every bucket, those added later included; add bucket_id = '<bucket>'",
                              policy.waivers + attachment.waivers)
