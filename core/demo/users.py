"""Koffiepunt's staff. Every demo user logs in with the password "steward-demo"."""

from __future__ import annotations

from core.auth.cache import bump as bump_security
from core.auth.models import Role, User, UserRole
from core.auth.passwords import hash_password
from core.db.data import ensure, ref

PASSWORD = "steward-demo"

# (key, login, name, role, language); ref `user.<key>`.
# fmt: off
USERS: tuple[tuple[str, str, str, str, str], ...] = (
    ("manager_eva", "eva", "Eva Hendriks", "manager", "nl"),
    ("tech_jan", "jan", "Jan de Bruijn", "technician", "nl"),
    ("tech_sem", "sem", "Sem Willems", "technician", "nl"),
    ("tech_noor", "noor", "Noor Visser", "technician", "nl"),
    ("tech_tomasz", "tomasz", "Tomasz Kowalski", "technician", "en"),
    ("sales_lotte", "lotte", "Lotte van Dijk", "sales", "nl"),
    ("warehouse_pieter", "pieter", "Pieter Claassen", "warehouse", "nl"),
    ("trainer_sophie", "sophie", "Sophie Timmermans", "trainer", "nl"),
)

# Each technician covers one territory from a van (for field service and warehouse demos).
TECHNICIAN_TERRITORIES: dict[str, str] = {
    "user.tech_jan": "territory.nbo",
    "user.tech_sem": "territory.nbw",
    "user.tech_noor": "territory.ugl",
    "user.tech_tomasz": "territory.rzd",
}
# fmt: on


def _email(name: str) -> str:
    first, *rest = name.lower().split()
    return f"{first}.{''.join(rest)}@koffiepunt-service.nl"


async def load_users() -> None:
    roles = {r["name"]: r["id"] for r in await Role.select(Role._meta.primary_key, Role.name).run()}
    for key, login, name, role, language in USERS:
        try:
            user_id = await ref("core", f"user.{key}")
        except KeyError:  # hash only when creating: the salted hash differs on every call
            user_id = await ensure(
                "core",
                f"user.{key}",
                User,
                {
                    "login": login,
                    "name": name,
                    "email": _email(name),
                    "language": language,
                    "password_hash": hash_password(PASSWORD),
                },
            )
        link = (UserRole.user == user_id) & (UserRole.role == roles[role])
        if not await UserRole.exists().where(link).run():
            await UserRole.insert(UserRole(user=user_id, role=roles[role])).run()
            await bump_security()
