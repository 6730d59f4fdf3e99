"""The published JSON Schema is valid, is what the loader enforces, and docs/spec.md is true."""

from __future__ import annotations

import re

import jsonschema
import pytest
import yaml
from conftest import CASES, ROOT, STAGE5_SPECS

from schemagen.diagnostics import SpecError
from schemagen.load import load_project
from schemagen.spec_schema import SUPPORTED_KEYWORDS, check_document, spec_schema
from schemagen.yamldoc import parse

SPEC_FILES = sorted(list((STAGE5_SPECS).glob("*.yaml")) + list(CASES.glob("*/specs/*.yaml")))


def test_schema_is_valid_draft_2020_12():
    jsonschema.Draft202012Validator.check_schema(spec_schema())


def _keywords(node, found: set[str]) -> set[str]:
    if isinstance(node, dict):
        for key, value in node.items():
            if key in ("properties", "$defs"):
                for sub in value.values():
                    _keywords(sub, found)
            else:
                found.add(key)
                _keywords(value, found)
    elif isinstance(node, list):
        for item in node:
            _keywords(item, found)
    return found


def test_schema_uses_only_keywords_the_loader_interprets():
    assert _keywords(spec_schema(), set()) <= SUPPORTED_KEYWORDS


@pytest.mark.parametrize("path", SPEC_FILES, ids=lambda p: f"{p.parent.parent.name}/{p.name}")
def test_shipped_specs_satisfy_the_schema_for_both_validators(path):
    data = yaml.safe_load(path.read_text())
    jsonschema.validate(data, spec_schema())
    assert check_document(parse(path.read_text(), str(path))) == []


BAD = [
    "stage: 1\ntitle: T\ntables: []\nextra: 1\n",
    "stage: -1\ntitle: T\ntables: []\n",
    "stage: 1\ntitle: T\ntables:\n  - name: t\n    columns: []\n",
    "stage: 1\ntitle: T\ntables:\n  - name: t\n    columns:\n      - {name: a, type: int, default: [1]}\n",
    "stage: 1\ntitle: T\ntables:\n  - name: t\n    rls: maybe\n    columns:\n      - {name: a, type: int}\n",
    "stage: 1\ntitle: T\nslug: Not A Slug\ntables: []\n",
    "stage: 1\ntitle: T\ntables:\n  - name: t\n    columns:\n      - {name: a, type: int}\n"
    "    indexes:\n      - {columns: [a], method: bitmap}\n",
]


@pytest.mark.parametrize("text", BAD)
def test_loader_and_jsonschema_reject_the_same_documents(text):
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(yaml.safe_load(text), spec_schema())
    assert check_document(parse(text, "x.yaml")) != []


def _doc_examples() -> list[str]:
    text = (ROOT / "docs" / "spec.md").read_text()
    return re.findall(r"```yaml\n(.*?)```", text, re.S)


def test_spec_reference_has_examples():
    assert len(_doc_examples()) >= 8


@pytest.mark.parametrize("index", range(len(_doc_examples())))
def test_every_example_in_the_spec_reference_loads(index, tmp_path):
    example = _doc_examples()[index]
    specs = tmp_path / "specs"
    specs.mkdir()
    (specs / "example.yaml").write_text(example)
    try:
        load_project(specs)
    except SpecError as exc:
        pytest.fail(f"docs/spec.md example {index + 1} does not load:\n{exc}")
