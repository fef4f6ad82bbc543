"""A service advisor finds a car from the top-bar search by the last digits of its plate, opens the
vehicle 360 page, records a mileage and is refused a falling one; a technician sees masked numbers."""

import re

import pytest
from playwright.sync_api import expect

from .conftest import shot
from .test_parts_walk import _session
from .test_service_walk import _db

pytestmark = pytest.mark.browser


def test_advisor_finds_a_vehicle_by_plate_tail_and_records_mileage(browser, demo_server):
    url = demo_server["url"]
    ctx, page = _session(browser, demo_server, "toyota.advisor")
    page.goto(f"{url}/customers/vehicles/")
    # the newest vehicle that has its plate (a car just delivered by sales is registered later)
    with _db() as c:
        (plate,) = c.execute(
            "SELECT plate FROM customers_vehicle WHERE plate LIKE '粤A%' ORDER BY id DESC LIMIT 1"
        ).fetchone()
    expect(page.locator("table tbody tr").first).to_be_visible()
    assert re.match(r"^粤A", plate)

    page.goto(f"{url}/")
    page.fill("#top-search", plate[-4:])
    hit = page.locator("#top-search-results a", has_text=plate).first
    expect(hit).to_be_visible()
    shot(page, "archive-search")
    hit.click()
    page.wait_for_url(re.compile(r"/customers/vehicles/\d+/$"))
    expect(page.locator("h1")).to_contain_text(plate)
    km = int(re.search(r"([\d,]+) km", page.locator("body").inner_text()).group(1).replace(",", ""))

    page.fill("input[name=value_km]", str(km + 1200))
    page.get_by_role("button", name="记录里程").click()
    expect(page.locator("body")).to_contain_text("已记录里程")
    page.fill("input[name=value_km]", str(km))
    page.get_by_role("button", name="记录里程").click()
    expect(page.locator("body")).to_contain_text("低于上次记录")
    shot(page, "archive-vehicle")
    ctx.close()

    # a technician reads the same owner with the mobile masked
    ctx, page = _session(browser, demo_server, "toyota.tech")
    page.goto(f"{url}/customers/")
    cell = page.locator("table tbody tr").first.locator("td").nth(3).inner_text()
    assert re.fullmatch(r"1\d\d\*{4}\d{4}", cell.strip()), cell
    ctx.close()
