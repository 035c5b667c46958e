"""How cassettes reach the disk and come back: UTF-8 with `\\n` line ends, parsed once per replay."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from vcr.persisters.filesystem import CassetteNotFoundError
from vcr.serialize import deserialize as vcr_deserialize
from vcr.serialize import serialize as vcr_serialize

__all__ = ["AlreadyParsed", "Persister"]


@dataclass(slots=True)
class Persister:
    """vcrpy's filesystem persister, but always UTF-8 with `\\n` line ends (byte-identical on every platform), and
    handing vcrpy a cassette the suite has already parsed and checked instead of parsing it again."""

    #: cassette path -> vcrpy's (requests, responses), parsed by the check that precedes each replay
    checked: dict[str, Any] = field(default_factory=dict)

    def load_cassette(self, cassette_path: str | Path, serializer: Any) -> Any:
        checked = self.checked.pop(str(cassette_path), None)
        if checked is not None:
            return checked
        path = Path(cassette_path)
        if not path.is_file():
            raise CassetteNotFoundError()
        data = path.read_text(encoding="utf-8")
        if not data.strip():
            raise CassetteNotFoundError()
        return vcr_deserialize(data, serializer)

    @staticmethod
    def save_cassette(cassette_path: str | Path, cassette_dict: Any, serializer: Any) -> None:
        data = vcr_serialize(cassette_dict, serializer)
        path = Path(cassette_path)
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("w", encoding="utf-8", newline="\n") as handle:
            handle.write(data)


@dataclass(slots=True, frozen=True)
class AlreadyParsed:
    """A vcrpy serializer that returns what the cassette check parsed: vcrpy builds its requests and responses
    from it without reading the YAML a second time."""

    data: Any

    def deserialize(self, cassette_string: str) -> Any:
        return self.data
