"""Report rendering benchmark (run by hand: `.venv/bin/python bench/reports.py`).

Renders real Steward reports end to end (context from the database, Jinja, the
static-only fetcher, WeasyPrint layout in a worker thread) on a fresh SQLite
database: a 1-page partner contact sheet and a 20-page price list, p50 over
several runs each. The baseline, rendered in the same run, is a plain WeasyPrint
invoice (inline CSS, page header/footer, "Page X of Y", no database, no Jinja) of
1 and 20 pages. Peak memory is the max RSS of a child process rendering the
20-page report once (and of one rendering the 20-page baseline).

Prints readable figures, then as the last line one JSON object with the figures
(milliseconds, megabytes), ratios, targets and "pass".
"""

from __future__ import annotations

import asyncio
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

RUNS_ONE, RUNS_MANY = 15, 5
TARGET_ONE_PAGE_MS = 100.0
TARGET_TWENTY_PAGES_MS = 3000.0
PAGES = 20
CATEGORIES = 12

ROW = "<tr><td>{i:04}</td><td>Service part number {i}</td><td class=n>2</td><td class=n>€ {p}.00</td><td class=n>€ {t}.00</td></tr>"
PLAIN = """<!doctype html><html><head><meta charset="utf-8"><style>
@page {{ size: A4; margin: 24mm 16mm 20mm; font-family: "Liberation Sans", sans-serif; font-size: 8pt;
  @top-left {{ content: "Koffiepunt Service B.V." }}
  @bottom-right {{ content: "Page " counter(page) " of " counter(pages) }} }}
body {{ font-family: "Liberation Sans", sans-serif; font-size: 9.5pt; }}
table {{ width: 100%; border-collapse: collapse; }} td, th {{ border: 0.6pt solid #ccc; padding: 1.4mm 2mm; }}
.n {{ text-align: right; }}
</style></head><body><h1>Invoice INV/2026/00042</h1><p>Café De Zwaan, Markt 21, 's-Hertogenbosch</p>
<svg width="300" height="60"><rect x="0" y="10" width="220" height="16" fill="#1f5f8b"/><rect x="0" y="34" width="120" height="16" fill="#9cbf3b"/></svg>
<table><thead><tr><th>#</th><th>Item</th><th>Qty</th><th>Price</th><th>Total</th></tr></thead><tbody>{rows}</tbody></table>
<p>Total: € {total}.00</p></body></html>"""


def plain_invoice(rows: int) -> str:
    body = "".join(ROW.format(i=i, p=10 + i % 90, t=2 * (10 + i % 90)) for i in range(rows))
    return PLAIN.format(rows=body, total=sum(2 * (10 + i % 90) for i in range(rows)))


def plain_pdf(rows: int) -> bytes:
    from weasyprint import HTML

    return HTML(string=plain_invoice(rows)).write_pdf()  # type: ignore[no-any-return]


def pages(pdf: bytes) -> int:
    import io

    from pypdf import PdfReader

    return len(PdfReader(io.BytesIO(pdf)).pages)


def rows_for(pages_wanted: int) -> int:
    """Rows of the plain invoice that fill `pages_wanted` pages (found by doubling, then bisecting)."""
    low, high = 1, 32
    while pages(plain_pdf(high)) < pages_wanted:
        low, high = high, high * 2
    while low < high:
        mid = (low + high) // 2
        if pages(plain_pdf(mid)) < pages_wanted:
            low = mid + 1
        else:
            high = mid
    return low


async def prepare(db_url: str, var_dir: Path, products: int) -> dict[str, int]:
    from core.db import engine as db
    from core.db import records
    from core.db.migrations import register_apps
    from core.modules import lifecycle
    from core.modules.discovery import discover
    from core.partners.models import Partner
    from core.products.models import Product, ProductCategory

    catalog = discover()
    register_apps(catalog.manifests.values())
    db.configure(db_url)
    await db.start()
    await lifecycle.install(catalog, ["core"], demo=False)
    org = await records.create(Partner, {"name": "Café De Zwaan", "reference": "C0001", "street": "Markt 21",
                                         "postcode": "5211 JV", "city": "'s-Hertogenbosch", "is_customer": True,
                                         "notes": "Two-group espresso machine and grinder in the bar."})
    for name in ("Marieke van den Heuvel", "Thijs Bakker", "Sanne de Wit"):
        await records.create(Partner, {"name": name, "kind": "person", "parent": org["id"], "job_title": "Staff",
                                       "email": f"{name.split()[0].lower()}@zwaan.example"})
    cats = [await records.create(ProductCategory, {"name": f"Category {c:02}"}) for c in range(CATEGORIES)]
    await Product.insert(*[
        Product(code=f"P-{i:05}", name=f"Spare part number {i}", category=cats[i % CATEGORIES]["id"],
                sale_price=Decimal(5 + i % 400) + Decimal("0.95"), warranty_months=12 * (i % 3))
        for i in range(products)
    ]).run()
    await db.stop()
    return {"partner": org["id"]}


async def render_once(db_url: str, var_dir: Path, report_name: str, record_id: int | None,
                      catalog: Any = None) -> tuple[float, bytes]:
    """One report, end to end from the database; `catalog` (and so the Jinja environment
    with its compiled templates) is kept between runs, as a serving process keeps it."""
    from core.db import engine as db
    from core.db.migrations import register_apps
    from core.modules.discovery import discover
    from core.registry import load
    from core.reports import render
    from core.reports.lookup import find

    if catalog is None:
        catalog = discover()
        register_apps(catalog.manifests.values())
    db.configure(db_url)
    await db.start()
    try:
        report = find(await load(catalog), report_name)
        env = render.environment(catalog)
        started = time.perf_counter()
        pdf, _ = await render.render_pdf(env, catalog, report, record_id, await render.company(var_dir))
        return (time.perf_counter() - started) * 1000, pdf
    finally:
        await db.stop()  # an open SQLite connection's thread would keep the process from exiting


async def timed(db_url: str, var_dir: Path, report_name: str, record_id: int | None, runs: int) -> tuple[list[float], bytes]:
    from core.db.migrations import register_apps
    from core.modules.discovery import discover

    catalog = discover()
    register_apps(catalog.manifests.values())
    times, pdf = [], b""
    await render_once(db_url, var_dir, report_name, record_id, catalog)  # warm-up: fonts, templates, imports
    for _ in range(runs):
        ms, pdf = await render_once(db_url, var_dir, report_name, record_id, catalog)
        times.append(ms)
    return times, pdf


def plain_times(rows: int, runs: int) -> list[float]:
    plain_pdf(rows)
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        plain_pdf(rows)
        times.append((time.perf_counter() - started) * 1000)
    return times


def child_peak(args: list[str]) -> float:
    """Max RSS (MB) of a child process running this script with `args`."""
    out = subprocess.run([sys.executable, __file__, *args], check=True, capture_output=True, text=True).stdout
    return float(json.loads(out.strip().splitlines()[-1])["peak_mb"])


def child(args: list[str]) -> None:
    if args[0] == "--child-report":
        asyncio.run(render_once(args[1], Path(args[2]), "price_list", None))
    else:
        plain_pdf(int(args[1]))
    # VmHWM, not ru_maxrss: Linux carries the parent's peak over into ru_maxrss across exec.
    status = Path("/proc/self/status").read_text()
    hwm_kb = next(int(line.split()[1]) for line in status.splitlines() if line.startswith("VmHWM:"))
    print(json.dumps({"peak_mb": round(hwm_kb / 1024, 1)}))


def p50(values: list[float]) -> float:
    return round(statistics.median(values), 1)


def main() -> None:
    import logging

    logging.disable(logging.WARNING)
    tmp = Path(tempfile.mkdtemp(prefix="steward-bench-reports-"))
    try:
        measure(tmp)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def measure(tmp: Path) -> None:
    db_url, var_dir = f"sqlite:///{tmp / 'bench.db'}", tmp / "var"
    plain_rows = rows_for(PAGES)
    # The price list fits fewer rows on a page than the plain invoice (group headings, chart).
    ids = asyncio.run(prepare(db_url, var_dir, products=int(plain_rows * 0.86)))
    one, one_pdf = asyncio.run(timed(db_url, var_dir, "partner_contact_sheet", ids["partner"], RUNS_ONE))
    many, many_pdf = asyncio.run(timed(db_url, var_dir, "price_list", None, RUNS_MANY))
    base_one, base_many = plain_times(12, RUNS_ONE), plain_times(plain_rows, RUNS_MANY)
    peak = child_peak(["--child-report", db_url, str(var_dir)])
    base_peak = child_peak(["--child-plain", str(plain_rows)])
    figures = {
        "one_page_p50_ms": p50(one), "one_page_pages": pages(one_pdf),
        "twenty_pages_p50_ms": p50(many), "twenty_pages_pages": pages(many_pdf),
        "baseline_one_page_p50_ms": p50(base_one), "baseline_twenty_pages_p50_ms": p50(base_many),
        "baseline_twenty_pages_pages": pages(plain_pdf(plain_rows)),
        "peak_mb_twenty_pages": peak, "baseline_peak_mb_twenty_pages": base_peak,
    }
    figures["one_page_ratio"] = round(figures["one_page_p50_ms"] / figures["baseline_one_page_p50_ms"], 2)
    figures["twenty_pages_ratio"] = round(figures["twenty_pages_p50_ms"] / figures["baseline_twenty_pages_p50_ms"], 2)
    print(f"1-page contact sheet ({figures['one_page_pages']} p):  p50 {figures['one_page_p50_ms']} ms "
          f"(plain WeasyPrint {figures['baseline_one_page_p50_ms']} ms, x{figures['one_page_ratio']})")
    print(f"price list ({figures['twenty_pages_pages']} p):          p50 {figures['twenty_pages_p50_ms']} ms "
          f"(plain WeasyPrint {figures['baseline_twenty_pages_pages']} p {figures['baseline_twenty_pages_p50_ms']} ms, "
          f"x{figures['twenty_pages_ratio']})")
    print(f"peak RSS rendering 20 pages: {peak} MB (plain WeasyPrint {base_peak} MB)")
    passed = (figures["one_page_p50_ms"] < TARGET_ONE_PAGE_MS and figures["twenty_pages_p50_ms"] < TARGET_TWENTY_PAGES_MS
              and figures["twenty_pages_pages"] >= PAGES)
    print(json.dumps({**figures, "target_one_page_p50_ms": TARGET_ONE_PAGE_MS,
                      "target_twenty_pages_p50_ms": TARGET_TWENTY_PAGES_MS, "target_pages": PAGES, "pass": passed}))


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1].startswith("--child"):
        child(sys.argv[1:])
    else:
        main()
