"""The token vectors: tests/data/tokens.json."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

VECTORS_PATH = Path(__file__).resolve().parents[1] / "data" / "tokens.json"


@dataclass(frozen=True)
class TokenVector:
    cluster_id: str
    region: str
    time: datetime
    access_key_id: str
    secret_access_key: str
    token: str
    url: str
    signature: str
    session_token: str | None = None
    sts_regional_endpoints: str | None = None

    @property
    def id(self) -> str:
        return f"{self.region}-{self.cluster_id}-{self.sts_regional_endpoints or 'regional'}"


def load_vectors(path: Path = VECTORS_PATH) -> list[TokenVector]:
    vectors = []
    for entry in json.loads(path.read_text()):
        entry["time"] = datetime.fromisoformat(entry["time"].replace("Z", "+00:00"))
        vectors.append(TokenVector(**entry))
    return vectors
