"""Demo data: loaded by `steward init --demo` (filled in below)."""


async def load_demo() -> None:
    return None
