"""The accounts app's own admin pages: what an Account's change page lets a person edit."""

import pytest
from django.urls import reverse

from tests.factories import AccountFactory
from tests.qualification.test_admin import _form_data

pytestmark = pytest.mark.django_db


def test_an_accounts_icp_tier_is_read_only_in_the_admin(admin_client):
    account = AccountFactory(icp_tier="C", icp_reasons=["Too small"])
    url = reverse("admin:accounts_account_change", args=[account.pk])
    page = admin_client.get(url)
    assert not {"icp_tier", "icp_reasons"} & set(page.context["adminform"].form.fields)

    data = _form_data(page)
    data.update(icp_tier="A", icp_reasons='["Hand-picked"]', change_reason="Looks big")
    response = admin_client.post(url, data)

    assert response.status_code == 302, response.context["errors"]
    account.refresh_from_db()
    assert (account.icp_tier, account.icp_reasons) == ("C", ["Too small"])
