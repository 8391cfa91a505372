"""Sales and service territories, by the first two digits of the postcode."""

from __future__ import annotations

from core.db.data import ensure
from core.partners.models import Territory

# (key, code, name, postcode prefixes); the key gives the ref `territory.<key>`.
# fmt: off
TERRITORIES: tuple[tuple[str, str, str, str], ...] = (
    ("nbo", "NBO", "Noord-Brabant Oost", "52,53,54,55,56,57"),
    ("nbw", "NBW", "Noord-Brabant West", "46,47,48,49,50,51"),
    ("ugl", "UGL", "Utrecht/Gelderland", "34,35,36,37,38,39,40,65,66,67,68,69"),
    ("rzd", "RZD", "Randstad Zuid", "23,24,25,26,27,28,29,30,31,32,33"),
)
# fmt: on


async def load_territories() -> None:
    for key, code, name, postcodes in TERRITORIES:
        await ensure(
            "core",
            f"territory.{key}",
            Territory,
            {"code": code, "name": name, "postcodes": postcodes},
        )
