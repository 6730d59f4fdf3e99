from __future__ import annotations

from typing import Iterator

from ...model import Attachment, Project, Stage
from ...sqltokens import LexError, tokenize
from ..registry import Finding, Rule, register


def _named_buckets(sql: str | None) -> list[str]:
    """The ids a condition compares ``bucket_id`` with: ``bucket_id = 'x'``, ``'x' = bucket_id``,
    ``bucket_id in ('x', 'y')``."""
    if not sql:
        return []
    try:
        tokens = tokenize(sql)
    except LexError:
        return []
    found = []
    for i, token in enumerate(tokens):
        if token.kind not in ("word", "quoted_ident") or token.ident != "bucket_id":
            continue
        after = [t for t in tokens[i + 1:i + 12]]
        if after[:1] and after[0].text == "=" and len(after) > 1 and after[1].kind == "string":
            found.append(after[1].text[1:-1].replace("''", "'"))
        elif after[:2] and after[0].text.lower() == "in" and after[1].text == "(":
            for item in after[2:]:
                if item.text == ")":
                    break
                if item.kind == "string":
                    found.append(item.text[1:-1].replace("''", "'"))
        before = tokens[i - 2:i] if i >= 2 else []
        if len(before) == 2 and before[1].text == "=" and before[0].kind == "string":
            found.append(before[0].text[1:-1].replace("''", "'"))
    return found


@register
class StoragePolicyUnknownBucket(Rule):
    """A policy on ``storage.objects`` names a bucket the specs define.

    A policy is for the bucket its condition names, and nothing checks that name against the
    buckets there are: a misspelt ``bucket_id = 'avatar'`` for the bucket ``avatars`` is a
    policy for no bucket at all, so the owners it was written for silently cannot upload, read
    or delete their files, and every test that does not try it passes.

    Anti-pattern: ``buckets: [{id: avatars}]`` with ``using: bucket_id = 'avatar' and …``
    Best practice: ``using: bucket_id = 'avatars' and …`` (or define the bucket the policy names)
    """

    code = "SG032"
    name = "correctness.storage-policy-unknown-bucket"
    severity = "error"
    checklist = "Granular policies"

    def check_attachment(self, attachment: Attachment, stage: Stage, project: Project) -> Iterator[Finding]:
        if attachment.key != ("storage", "objects"):
            return
        defined = {bucket.id for bucket in project.objects("Bucket")}
        if not defined:  # buckets made in the dashboard or elsewhere: nothing to check against
            return
        for policy in attachment.policies:
            unknown = sorted({name for sql in (policy.using, policy.with_check) for name in _named_buckets(sql)}
                             - defined)
            if unknown:
                listed = ", ".join(f"'{b}'" for b in unknown)
                yield Finding(policy.pos, f'policy "{policy.name}" on storage.objects names bucket {listed}, which '
                              f"no stage defines (the specs define {', '.join(sorted(defined))}): as written it "
                              "applies to no bucket; correct the id or define the bucket",
                              policy.waivers + attachment.waivers)
