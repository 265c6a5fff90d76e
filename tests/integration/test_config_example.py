"""config/byebuy.env.example is generated from the services' own config tables; this keeps
the committed file true to the code (regenerate with scripts/gen-env-example.sh)."""

import re
import subprocess

from conftest import BIN_DIR, ROOT


def test_env_example_matches_the_code():
    generated = subprocess.run([str(ROOT / "scripts" / "gen-env-example.sh"), "-"],
                               env={"BB_BIN_DIR": str(BIN_DIR), "PATH": "/usr/bin:/bin"},
                               capture_output=True, text=True, check=True).stdout
    committed = (ROOT / "config" / "byebuy.env.example").read_text()
    assert committed == generated, "run scripts/gen-env-example.sh and commit the result"


def test_every_service_documents_its_keys():
    text = (ROOT / "config" / "byebuy.env.example").read_text()
    keys = set(re.findall(r"^#([A-Z][A-Z0-9_]*)=", text, re.M))
    for key in ["DATABASE_URL", "KAFKA_BOOTSTRAP_SERVERS", "HTTP_PORT", "WEBDRIVER_URL",
                "OPENAI_BASE_URL", "OPENAI_API_KEY", "RECIPES_DIR", "UPLOAD_DIR"]:
        assert key in keys, key
