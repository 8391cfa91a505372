"""What the reports area contributes to core's manifest: the report routes and core's reports."""

from core.modules.manifest import Part
from core.reports.controllers import ReportController
from core.reports.partner_sheet import CONTACT_SHEET
from core.reports.price_list import PRICE_LIST

PART = Part(controllers=(ReportController,), reports=(CONTACT_SHEET, PRICE_LIST))
