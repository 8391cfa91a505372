"""Demo data: Koffiepunt Service's field service, continuing the warehouse demo's story.

The service department works office hours with the Dutch public holidays (the hospital's
contract: seven days a week); Team Brabant (Jan and Sem) and Team Midden & Randstad
(Noor, and Tomasz who has no van) share the work by routing rules per territory. Job
types carry the firm's quality checklists ("Yearly service espresso machine": descaling,
pump pressure 9 bar ± 1, boiler temperature, gaskets, a photo of the group heads). The
customers' machines are registered with their serial numbers (the warehouse's, where it
delivered them), warranties and contracts, with maintenance plans whose next visits the
generator has prepared (one of them overdue). Last week's jobs were done with their
checklists, parts from the vans (consumed through the warehouse's stock service), time
and the customer's signature, then billed, covered by warranty, left to bill, or
recalled; today's and the coming days' work is on the board; open requests stand in
every SLA state; the lost-revenue detector has run. Every event is remembered in core's
shipped-data table (module "field_service"), so loading twice adds nothing.
"""

from modules.field_service.demo.installed_base import load_contracts, load_equipment, load_plans
from modules.field_service.demo.requests import load_requests
from modules.field_service.demo.setup import (
    load_calendars,
    load_job_types,
    load_people,
    load_routing,
    load_sla_policies,
)
from modules.field_service.demo.week import load_work, manager_override
from modules.field_service.services import leak, plan


async def load_demo() -> None:
    await load_calendars()
    await load_people()
    await load_job_types()
    await load_contracts()
    await load_sla_policies()
    await load_routing()
    await load_equipment()
    await load_plans()
    await load_work()
    await manager_override()
    await load_requests()
    await plan.generate()  # the daily jobs, as they ran this morning
    await leak.run()
