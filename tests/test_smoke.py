from core.modules.state import installed


async def test_core_template_has_core_installed(core_db):
    assert await installed() == {"core"}
