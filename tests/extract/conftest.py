import json
from pathlib import Path

import jsonschema
import pytest

from scc_sync.extract import SUMMARY_SCHEMA_PATH

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "extract"


@pytest.fixture(scope="session")
def schema_validator() -> jsonschema.Draft202012Validator:
    schema = json.loads(SUMMARY_SCHEMA_PATH.read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker())
