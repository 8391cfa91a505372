"""Records every installation needs."""

from core.company.models import Company
from core.db import records


async def load_core_data() -> None:
    if not await Company.exists().run():
        await records.create(Company, {"name": "My Company", "language": "en"})
