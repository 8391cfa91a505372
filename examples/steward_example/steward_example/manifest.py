"""The example module's table of contents: everything it adds to Steward."""

from core.modules.manifest import Job, Manifest, Menu, Permission, Schedule
from steward_example.controllers.water_test import WaterTestController
from steward_example.jobs import flag_due_water_tests
from steward_example.models.water_test import WaterTest
from steward_example.models.water_test_due import WaterTestDue
from steward_example.reports import CERTIFICATE

MANIFEST = Manifest(
    name="example",
    version="0.1.0",
    summary="Water hardness tests at customer sites, with the softening each site needs",
    category="Service",
    depends=("core",),
    tables=(WaterTest, WaterTestDue),
    controllers=(WaterTestController,),
    menus=(Menu("Water tests", "/example/water-tests", "example.water_test.read", order=50),),
    permissions=(
        Permission("example.water_test.read", "See water tests"),
        Permission("example.water_test.write", "Record water tests"),
    ),
    reports=(CERTIFICATE,),
    grants={
        "manager": ("example.water_test.read", "example.water_test.write"),
        "technician": ("example.water_test.read", "example.water_test.write"),
    },
    jobs=(Job(flag_due_water_tests),),
    # Every night at 02:00 in the firm's time zone.
    schedules=(Schedule("flag_due_water_tests", "0 2 * * *", name="nightly_due_check"),),
    # migrations and root default to this package's folder (migrations/, templates/).
)
