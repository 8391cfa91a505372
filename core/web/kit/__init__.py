"""The UI kit: modules declare lists, forms and resources; the kit serves the pages.

    PARTNERS = Resource(path="/contacts/partners", table=Partner, list=ListSpec(...),
                        form=Form(...), read="core.partner.read", write="core.partner.write", ...)
    PartnerController = controller(PARTNERS)
"""

from core.web.kit.board import Badge, Board, Stage, board_move, board_page
from core.web.kit.calendar import Calendar, Item, Person, Window, calendar_page
from core.web.kit.crud import controller
from core.web.kit.export import csv_lines, safe_cell
from core.web.kit.forms import Field, Form, Many2one, initial, parse, submitted, validate
from core.web.kit.lists import Column, Filter, ListSpec, ListState, Page, fetch_page, parse_state
from core.web.kit.resource import Resource, company_currency

__all__ = [
    "Badge", "Board", "Calendar", "Item", "Person", "Stage", "Window", "board_move", "board_page",
    "calendar_page",
    "Column", "Field", "Filter", "Form", "ListSpec", "ListState", "Many2one", "Page", "Resource",
    "company_currency", "controller", "csv_lines", "fetch_page", "initial", "parse", "parse_state",
    "safe_cell", "submitted", "validate",
]
