"""Koffiepunt's customers and suppliers, each with the people we deal with there."""

from __future__ import annotations

from dataclasses import dataclass

from core.db.data import ensure, ref
from core.partners.models import Partner


@dataclass(frozen=True)
class Contact:
    key: str  # ref `partner.<org key>.<key>`
    name: str
    job_title: str
    email: str
    phone: str


@dataclass(frozen=True)
class Org:
    key: str  # ref `partner.<key>`
    reference: str
    name: str
    street: str
    postcode: str
    city: str
    phone: str
    email: str
    contacts: tuple[Contact, ...]
    territory: str = ""  # key of a demo territory (customers in the Netherlands)
    country: str = "NL"
    language: str = "nl"
    vat_number: str = ""
    notes: str = ""


# Wide rows on purpose: one organisation per block reads like a table.
# fmt: off
CUSTOMERS: tuple[Org, ...] = (
    # Noord-Brabant Oost: home ground around 's-Hertogenbosch and Eindhoven.
    Org("cafe_de_zwaan", "C0001", "Café De Zwaan", "Markt 21", "5211 JV", "'s-Hertogenbosch",
        "+31 73 614 2290", "info@cafedezwaan.nl", territory="nbo", vat_number="NL001482734B62",
        notes="Busy café on the Markt. Two-group espresso machine and grinder in the bar; "
              "service contract since 2019.",
        contacts=(Contact("marieke", "Marieke van den Heuvel", "Owner", "marieke@cafedezwaan.nl", "+31 6 2145 8830"),
                  Contact("thijs", "Thijs Bakker", "Head barista", "thijs@cafedezwaan.nl", "+31 6 4178 2051"))),
    Org("stadshotel_jheronimus", "C0002", "Stadshotel Jheronimus", "Hinthamerstraat 68", "5211 MR",
        "'s-Hertogenbosch", "+31 73 690 3300", "reception@stadshotel-jheronimus.nl", territory="nbo",
        vat_number="NL857301946B01",
        notes="68 rooms. Bean-to-cup machines at the breakfast buffet, a three-group espresso "
              "machine in the bar.",
        contacts=(Contact("ruud", "Ruud Verhoeven", "F&B manager", "r.verhoeven@stadshotel-jheronimus.nl", "+31 6 5310 7724"),
                  Contact("sanne", "Sanne Kuipers", "Breakfast supervisor", "s.kuipers@stadshotel-jheronimus.nl", "+31 6 1987 4403"))),
    Org("ziekenhuis_de_dommel", "C0003", "Ziekenhuis De Dommel", "Henri Dunantstraat 1", "5223 GZ",
        "'s-Hertogenbosch", "+31 73 553 2000", "facilitair@zhdedommel.nl", territory="nbo",
        vat_number="NL803114562B01",
        notes="Hospital: 14 bean-to-cup machines on the wards, in the staff restaurant and the "
              "visitors' café. Four-hour response time agreed.",
        contacts=(Contact("ingrid", "Ingrid Smits", "Facility manager", "i.smits@zhdedommel.nl", "+31 73 553 2140"),
                  Contact("karim", "Karim El Amrani", "Catering coordinator", "k.elamrani@zhdedommel.nl", "+31 73 553 2177"))),
    Org("brainport_faculty", "C0004", "Brainport University – Faculty of Mechanical Engineering",
        "De Rondom 70", "5612 AP", "Eindhoven", "+31 40 247 9111", "facilities.me@brainport-university.nl",
        territory="nbo", language="en", vat_number="NL002219865B01",
        notes="Bean-to-cup machines on every floor. Invoices must quote a purchase order number.",
        contacts=(Contact("lisa", "Lisa de Wit", "Facility services coordinator", "l.dewit@brainport-university.nl", "+31 40 247 3382"),
                  Contact("rajesh", "Rajesh Iyer", "Procurement officer", "r.iyer@brainport-university.nl", "+31 40 247 5016"))),
    Org("autobedrijf_van_lieshout", "C0005", "Autobedrijf Van Lieshout", "Europaweg 120", "5707 CL",
        "Helmond", "+31 492 53 6600", "info@vanlieshout-auto.nl", territory="nbo",
        vat_number="NL812907345B01",
        notes="Car dealership: a bean-to-cup machine in the showroom, one in the workshop canteen.",
        contacts=(Contact("bart", "Bart van Lieshout", "Managing director", "bart@vanlieshout-auto.nl", "+31 6 5082 1167"),
                  Contact("yvonne", "Yvonne Maas", "Receptionist", "receptie@vanlieshout-auto.nl", "+31 492 53 6601"))),
    Org("brabant_logistics", "C0006", "Brabant Logistics B.V.", "Kantsingel 14", "5349 AJ", "Oss",
        "+31 412 64 8200", "facilitair@brabantlogistics.nl", territory="nbo", vat_number="NL851276093B01",
        notes="Distribution centre; canteen for 220 staff on three shifts, machines run day and night.",
        contacts=(Contact("henk", "Henk Verbeek", "Facility manager", "h.verbeek@brabantlogistics.nl", "+31 6 2290 6615"),)),
    Org("lunchroom_bakhuys", "C0007", "Lunchroom 't Bakhuys", "Markt 5", "5401 GN", "Uden",
        "+31 413 25 1170", "info@bakhuys-uden.nl", territory="nbo", vat_number="NL001937254B35",
        notes="Bakery with lunchroom; one-group espresso machine bought in 2022.",
        contacts=(Contact("anouk", "Anouk Hermans", "Owner", "anouk@bakhuys-uden.nl", "+31 6 3341 9020"),)),
    Org("restaurant_stratum", "C0008", "Restaurant Stratum", "Stratumsedijk 22", "5611 NC", "Eindhoven",
        "+31 40 211 8470", "reserveren@restaurantstratum.nl", territory="nbo", vat_number="NL859034127B01",
        notes="Fine dining; multi-boiler espresso machine and two on-demand grinders.",
        contacts=(Contact("joost", "Joost van Rooij", "Chef-owner", "joost@restaurantstratum.nl", "+31 6 4720 3358"),
                  Contact("fleur", "Fleur Peeters", "Restaurant manager", "fleur@restaurantstratum.nl", "+31 6 1156 2289"))),
    # Noord-Brabant West: Tilburg, Breda and the west of the province.
    Org("espressobar_kade17", "C0009", "Espressobar Kade 17", "Piushaven 17", "5017 AN", "Tilburg",
        "+31 13 744 0217", "hallo@kade17.nl", territory="nbw", vat_number="NL002746183B21",
        notes="Specialty coffee bar; very particular about burr wear and water hardness.",
        contacts=(Contact("mohamed", "Mohamed Bouzid", "Owner and head barista", "mo@kade17.nl", "+31 6 2871 5504"),)),
    Org("grand_cafe_kasteelplein", "C0010", "Grand Café Het Kasteelplein", "Havermarkt 12", "4811 WG",
        "Breda", "+31 76 521 3390", "info@grandcafekasteelplein.nl", territory="nbw",
        vat_number="NL854410782B01",
        contacts=(Contact("linda", "Linda Vermeulen", "Owner", "linda@grandcafekasteelplein.nl", "+31 6 5543 0871"),
                  Contact("wouter", "Wouter Schouten", "Bar manager", "wouter@grandcafekasteelplein.nl", "+31 6 3302 7746"))),
    Org("hotel_brabantse_wal", "C0011", "Hotel De Brabantse Wal", "Grote Markt 6", "4611 NT",
        "Bergen op Zoom", "+31 164 23 5500", "info@hoteldebrabantsewal.nl", territory="nbw",
        vat_number="NL856092318B01",
        contacts=(Contact("erik", "Erik Dekker", "General manager", "e.dekker@hoteldebrabantsewal.nl", "+31 6 1408 6632"),)),
    Org("smaakvol_catering", "C0012", "Smaakvol Bedrijfscatering B.V.", "Borchwerf 24", "4704 RG",
        "Roosendaal", "+31 165 55 9020", "inkoop@smaakvol-catering.nl", territory="nbw",
        vat_number="NL820563917B01",
        notes="Contract caterer running staff canteens at six client sites under one framework "
              "agreement.",
        contacts=(Contact("monique", "Monique Jacobs", "Purchasing manager", "m.jacobs@smaakvol-catering.nl", "+31 165 55 9024"),
                  Contact("ricardo", "Ricardo Martens", "Operations manager", "r.martens@smaakvol-catering.nl", "+31 6 2967 1180"))),
    # Utrecht/Gelderland.
    Org("koffiebar_oudegracht", "C0013", "Koffiebar Oudegracht", "Oudegracht 158", "3511 AZ", "Utrecht",
        "+31 30 231 7788", "info@koffiebaroudegracht.nl", territory="ugl", vat_number="NL002583619B48",
        contacts=(Contact("jasper", "Jasper Kok", "Owner", "jasper@koffiebaroudegracht.nl", "+31 6 4409 2316"),)),
    Org("hotel_sonsbeek_park", "C0014", "Hotel Sonsbeek Park", "Utrechtseweg 50", "6812 AR", "Arnhem",
        "+31 26 442 9100", "info@hotelsonsbeekpark.nl", territory="ugl", vat_number="NL858217604B01",
        notes="Conference hotel; bean-to-cup machines in four meeting rooms and the lobby.",
        contacts=(Contact("marloes", "Marloes Gerritsen", "F&B manager", "m.gerritsen@hotelsonsbeekpark.nl", "+31 6 1772 5093"),
                  Contact("peter", "Peter Arts", "Technical services", "techniek@hotelsonsbeekpark.nl", "+31 26 442 9150"))),
    Org("waalkade_advocaten", "C0015", "Waalkade Advocaten", "Waalkade 30", "6511 XR", "Nijmegen",
        "+31 24 322 8140", "secretariaat@waalkade-advocaten.nl", territory="ugl", vat_number="NL853760921B01",
        notes="Law firm of 40; espresso machine in the client lounge, bean-to-cup in the pantry.",
        contacts=(Contact("esther", "Esther Jansen", "Office manager", "e.jansen@waalkade-advocaten.nl", "+31 24 322 8145"),)),
    # Randstad Zuid: Rotterdam, The Hague, Delft.
    Org("koffie_en_co", "C0016", "Koffie & Co", "Witte de Withstraat 45", "3012 BM", "Rotterdam",
        "+31 10 412 7650", "hallo@koffieenco.nl", territory="rzd", vat_number="NL002817346B57",
        contacts=(Contact("daan", "Daan Mulder", "Owner", "daan@koffieenco.nl", "+31 6 5136 8842"),
                  Contact("yara", "Yara Ramdin", "Shift lead", "yara@koffieenco.nl", "+31 6 2258 1047"))),
    Org("strandhotel_duinzicht", "C0017", "Strandhotel Duinzicht", "Gevers Deynootweg 30", "2586 BJ",
        "Den Haag", "+31 70 354 1880", "info@strandhotelduinzicht.nl", territory="rzd",
        vat_number="NL861340275B01",
        notes="Seaside hotel; salty air wears steam wands and electronics faster.",
        contacts=(Contact("charlotte", "Charlotte van der Linden", "Front office manager", "c.vanderlinden@strandhotelduinzicht.nl", "+31 70 354 1881"),
                  Contact("roberto", "Roberto Ferrari", "Bar manager", "r.ferrari@strandhotelduinzicht.nl", "+31 6 4863 2195"))),
    Org("delft_biotech_campus", "C0018", "Delft Biotech Campus B.V.", "Alexander Fleminglaan 1", "2613 AX",
        "Delft", "+31 15 251 7300", "facilities@delftbiotechcampus.nl", territory="rzd", language="en",
        vat_number="NL862905143B01",
        notes="Nine tenants share coffee corners with bean-to-cup machines; hard water, filters "
              "changed every six months.",
        contacts=(Contact("hannah", "Hannah Okafor", "Campus facilities lead", "h.okafor@delftbiotechcampus.nl", "+31 15 251 7310"),
                  Contact("tom", "Tom Vos", "Building manager", "t.vos@delftbiotechcampus.nl", "+31 6 3390 4471"))),
)

SUPPLIERS: tuple[Org, ...] = (
    Org("macchine_lombarde", "S0001", "Macchine Lombarde S.p.A.", "Via dell'Industria 18", "20900",
        "Monza", "+39 039 204 7710", "export@macchinelombarde.it", country="IT", language="en",
        vat_number="IT02847160967", notes="Maker of the Lombarda espresso machines we sell.",
        contacts=(Contact("giulia", "Giulia Bianchi", "Export sales manager", "g.bianchi@macchinelombarde.it", "+39 335 612 4408"),)),
    Org("suter_kaffeetechnik", "S0002", "Suter Kaffeetechnik AG", "Industriestrasse 12", "4702",
        "Oensingen", "+41 62 388 4400", "benelux@suter-kaffeetechnik.ch", country="CH", language="en",
        vat_number="CHE-109.482.375 MWST", notes="Maker of the Suter bean-to-cup machines.",
        contacts=(Contact("lukas", "Lukas Meier", "Key account manager Benelux", "lukas.meier@suter-kaffeetechnik.ch", "+41 79 544 2187"),)),
    Org("macinatura_precisa", "S0003", "Macinatura Precisa S.r.l.", "Via Postumia 41", "31050",
        "Ponzano Veneto", "+39 0422 961 530", "sales@macinaturaprecisa.it", country="IT", language="en",
        vat_number="IT03912570264", notes="Maker of the Precisa grinders and their burr sets.",
        contacts=(Contact("marco", "Marco Zanetti", "Sales engineer", "m.zanetti@macinaturaprecisa.it", "+39 347 208 9315"),)),
    Org("aquapura", "S0004", "AquaPura Waterfilters B.V.", "Nijverheidsweg 33", "3341 LJ",
        "Hendrik-Ido-Ambacht", "+31 78 681 2240", "verkoop@aquapura.nl", vat_number="NL815390274B01",
        notes="Water filter cartridges, filter heads and reverse osmosis units.",
        contacts=(Contact("femke", "Femke de Graaf", "Account manager", "f.degraaf@aquapura.nl", "+31 6 1624 7738"),)),
    Org("horeca_onderdelen", "S0005", "Horeca Onderdelen Centrale B.V.", "Industrieweg 9", "3861 RB",
        "Nijkerk", "+31 33 245 6080", "bestellen@horeca-onderdelen.nl", vat_number="NL819274031B01",
        notes="Spare-parts wholesaler: pumps, valves, heating elements, gaskets; next-day delivery.",
        contacts=(Contact("dennis", "Dennis Bakker", "Inside sales", "d.bakker@horeca-onderdelen.nl", "+31 33 245 6087"),)),
)
# fmt: on


async def _load_org(org: Org, *, customer: bool) -> None:
    territory = await ref("core", f"territory.{org.territory}") if org.territory else None
    org_id = await ensure(
        "core",
        f"partner.{org.key}",
        Partner,
        {
            "kind": "organisation",
            "name": org.name,
            "reference": org.reference,
            "is_customer": customer,
            "is_supplier": not customer,
            "vat_number": org.vat_number,
            "email": org.email,
            "phone": org.phone,
            "street": org.street,
            "postcode": org.postcode,
            "city": org.city,
            "country": org.country,
            "territory": territory,
            "language": org.language,
            "notes": org.notes,
        },
    )
    for c in org.contacts:
        await ensure(
            "core",
            f"partner.{org.key}.{c.key}",
            Partner,
            {
                "kind": "person",
                "name": c.name,
                "parent": org_id,
                "job_title": c.job_title,
                "email": c.email,
                "phone": c.phone,
                "country": org.country,
                "language": org.language,
            },
        )


async def load_partners() -> None:
    for org in CUSTOMERS:
        await _load_org(org, customer=True)
    for org in SUPPLIERS:
        await _load_org(org, customer=False)
