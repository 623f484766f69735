"""The SDK's models are the server's contract: regenerated from the OpenAPI document the build wrote, they are the
committed ones. A server change that alters a request or an answer fails here until the models are regenerated
(scripts/generate-models.sh) and the SDK's type check agrees with them."""

from __future__ import annotations

import subprocess
from pathlib import Path

SDK = Path(__file__).resolve().parents[1]


def test_the_committed_models_are_generated_from_the_servers_openapi_document(tmp_path: Path) -> None:
    # given the OpenAPI document `npm run build` wrote, when the models are generated again
    fresh = tmp_path / "models.py"
    subprocess.run(["bash", str(SDK / "scripts" / "generate-models.sh"), str(fresh)], check=True, capture_output=True)
    # then they are the committed ones, byte for byte
    committed = (SDK / "src" / "mandate" / "_generated.py").read_text()
    assert fresh.read_text() == committed, "src/mandate/_generated.py is stale: run sdks/python/scripts/generate-models.sh"
