"""axe-core over a page in real Chromium: the copy that axe-playwright-python ships (no network).

`axe_violations(page)` runs every rule axe enables by default (WCAG 2.x A and AA, and its best
practices) over the page as it stands and answers one readable line per failing element, so a
test that expects none prints what to fix."""

from __future__ import annotations

from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page

_AXE = Axe()
OPTIONS = {"resultTypes": ["violations"]}


def axe_violations(page: Page) -> list[str]:
    response = _AXE.run(page, options=OPTIONS).response
    return [
        f"{violation['id']} ({violation['impact']}): {violation['help']}\n"
        f"    at {' > '.join(map(str, node['target']))}\n"
        f"    {node['failureSummary']}"
        for violation in response["violations"]
        for node in violation["nodes"]
    ]
