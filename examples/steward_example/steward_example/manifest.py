"""The example module's table of contents: everything it adds to Steward."""

from core.modules.manifest import Manifest, Menu, Permission
from steward_example.controllers.water_test import WaterTestController
from steward_example.models.water_test import WaterTest

MANIFEST = Manifest(
    name="example",
    version="0.1.0",
    summary="Water hardness tests at customer sites, with the softening each site needs",
    category="Service",
    depends=("core",),
    tables=(WaterTest,),
    controllers=(WaterTestController,),
    menus=(Menu("Water tests", "/example/water-tests", "example.water_test.read", order=50),),
    permissions=(
        Permission("example.water_test.read", "See water tests"),
        Permission("example.water_test.write", "Record water tests"),
    ),
    grants={
        "manager": ("example.water_test.read", "example.water_test.write"),
        "technician": ("example.water_test.read", "example.water_test.write"),
    },
    # migrations and root default to this package's folder (migrations/, templates/).
)
