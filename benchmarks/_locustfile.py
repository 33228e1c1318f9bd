"""Locust scenario for benchmarks/load.py: SDRs working the SAL queue.

Each simulated SDR logs in through the login form (with its CSRF token), then browses the queue
with filters, opens leads, accepts and rejects MQLs in place (htmx posts, as the page sends them)
and claims the next one. A refused or already-moved lead is a 422: expected under contention,
counted, not an error. Anything 5xx is an error. Run by benchmarks/load.py; never point it at
anything but 127.0.0.1.
"""

from __future__ import annotations

import itertools
import json
import os
import random
import re
import threading
from datetime import date, timedelta

from locust import HttpUser, between, events, task
from requests.cookies import RequestsCookieJar

PASSWORD = "leadreview-demo"
USERNAMES = itertools.cycle(
    ["bench-sdr", *(f"bench-sdr-{n:02d}" for n in range(1, 21))]
)  # seeded by benchmarks/seed_large.py
FILTERS = [
    "",
    "?intent_band=high",
    "?icp_tier=A",
    "?breached=true",
    "?source=demo_request",
    "?icp_tier=B&intent_band=medium",
]
ROW = re.compile(r'<tbody id="lead-(\d+)" class="lead[ "](?!lead-gone)')
LEAD = re.compile(r'href="/leads/(\d+)/"')
SELECTED_OWNER = re.compile(r'<option value="(\d+)" selected>')
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
REASONS = ["bad_fit", "no_budget", "wrong_persona", "no_need", "unresponsive"]

OUTCOMES = {"accepted": 0, "rejected": 0, "refused": 0, "5xx": 0}
_lock = threading.Lock()


def count(outcome: str) -> None:
    with _lock:
        OUTCOMES[outcome] += 1


@events.test_stop.add_listener
def _write_outcomes(environment, **kwargs) -> None:
    path = os.environ.get("LOAD_OUTCOMES")
    if path:
        with open(path, "w", encoding="utf-8") as stream:
            json.dump(OUTCOMES, stream)


class PlainHttpJar(RequestsCookieJar):
    """Production cookies are Secure; we speak HTTP to 127.0.0.1, as from behind a TLS proxy."""

    def set_cookie(self, cookie, *args, **kwargs):
        cookie.secure = False
        return super().set_cookie(cookie, *args, **kwargs)


class Sdr(HttpUser):
    wait_time = between(0.5, 2.0)

    def on_start(self) -> None:
        self.username = next(USERNAMES)
        self.leads: list[str] = []
        self.client.cookies = PlainHttpJar()
        page = self.client.get("/accounts/login/", name="/accounts/login/")
        token = CSRF.search(page.text).group(1)
        response = self.client.post(
            "/accounts/login/",
            {"username": self.username, "password": PASSWORD, "csrfmiddlewaretoken": token},
            name="/accounts/login/ (POST)",
            allow_redirects=False,
        )
        if response.status_code != 302:
            raise RuntimeError(f"{self.username} could not log in: {response.status_code}")
        self.browse_queue()

    def _csrf(self) -> str:
        return self.client.cookies.get("csrftoken", "")

    def _check(self, response, *, refused_ok: bool = False) -> bool:
        if response.status_code >= 500:
            count("5xx")
            response.failure(f"{response.status_code}")
            return False
        if refused_ok and response.status_code == 422:
            count("refused")
            response.success()
            return False
        if response.status_code >= 400:
            response.failure(f"{response.status_code}")
            return False
        response.success()
        return True

    @task(6)
    def browse_queue(self) -> None:
        with self.client.get(
            f"/queue/{random.choice(FILTERS)}", name="/queue/?filters", catch_response=True
        ) as response:
            if self._check(response):
                self.leads = ROW.findall(response.text)

    @task(4)
    def open_lead(self) -> None:
        if not self.leads:
            return
        lead = random.choice(self.leads)
        with self.client.get(f"/leads/{lead}/", name="/leads/[id]/", catch_response=True) as r:
            self._check(r)

    def _act(self, action: str, data: dict) -> None:
        """Open the row's form (hx-get, as the Accept / Reject buttons do), then post it."""
        if not self.leads:
            return
        lead = self.leads.pop(random.randrange(len(self.leads)))
        with self.client.get(
            f"/queue/{lead}/{action}/",
            headers={"HX-Request": "true"},
            name=f"/queue/[id]/{action}/ (form)",
            catch_response=True,
        ) as form:
            if not self._check(form, refused_ok=True):  # 422: someone moved it meanwhile
                return
            owner = SELECTED_OWNER.search(form.text)
        if action == "accept":
            data["owner"] = owner.group(1) if owner else ""
        with self.client.post(
            f"/queue/{lead}/{action}/",
            {**data, "csrfmiddlewaretoken": self._csrf(), "next": "/queue/"},
            headers={"HX-Request": "true", "X-CSRFToken": self._csrf()},
            name=f"/queue/[id]/{action}/",
            catch_response=True,
        ) as response:
            if self._check(response, refused_ok=True):
                count("accepted" if action == "accept" else "rejected")

    @task(2)
    def accept(self) -> None:
        due = (date.today() + timedelta(days=2)).isoformat()
        self._act(
            "accept",
            {
                "icp_confirmed": "on",
                "next_action": "Discovery call",
                "next_action_due": due,
            },
        )

    @task(1)
    def reject(self) -> None:
        self._act("reject", {"reason_code": random.choice(REASONS), "note": "Load test"})

    @task(1)
    def claim_next(self) -> None:
        with self.client.post(
            "/queue/claim/",
            {"csrfmiddlewaretoken": self._csrf(), "next": "/queue/"},
            headers={"HX-Request": "true", "X-CSRFToken": self._csrf()},
            name="/queue/claim/",
            catch_response=True,
        ) as response:
            self._check(response, refused_ok=True)
