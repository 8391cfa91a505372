"""Equipment register and service contracts: pages, permissions, the partner page slot, the
QR label and history sheet, the contract expiry job and the public address setting."""

from core.modules.manifest import Job, Menu, Part, Permission, Schedule, SettingField, Slot
from modules.field_service import jobs_plan
from modules.field_service.controllers.contract import READ as CONTRACT_READ
from modules.field_service.controllers.contract import WRITE as CONTRACT_WRITE
from modules.field_service.controllers.contract import ContractController
from modules.field_service.controllers.equipment import READ, WRITE, EquipmentController
from modules.field_service.reports_equipment import HISTORY_SHEET, LABEL

PART = Part(
    controllers=(EquipmentController, ContractController),
    menus=(
        Menu("Equipment", "/field-service/equipment", READ, order=40, parent="Field service"),
        Menu("Service contracts", "/field-service/contracts", CONTRACT_READ, order=45, parent="Field service"),
    ),
    permissions=(
        Permission(READ, "See the equipment register"),
        Permission(WRITE, "Register and edit equipment"),
        Permission(CONTRACT_READ, "See service contracts"),
        Permission(CONTRACT_WRITE, "Make, change, activate and cancel service contracts"),
    ),
    grants={
        "manager": (READ, WRITE, CONTRACT_READ, CONTRACT_WRITE),
        "dispatcher": (READ, WRITE, CONTRACT_READ),
        # Technicians look machines up (a QR label on site) and note their condition.
        "technician": (READ,),
        "sales": (READ, CONTRACT_READ),
    },
    reports=(LABEL, HISTORY_SHEET),
    slots=(Slot("partner", "field_service/equipment/partner_slot.html", "Equipment", READ, order=20),),
    jobs=(Job(jobs_plan.expire_contracts),),
    # Just after midnight in the firm's time zone: a contract ending yesterday no longer covers today.
    schedules=(Schedule("expire_contracts", "5 0 * * *", name="daily_contract_expiry"),),
    settings=(SettingField("public_url", "Web address of Steward for links on QR labels and in mail "
                           "(e.g. https://service.example.nl)", "", "str"),),
)
