"""Logging in: username or email, rate limited, sign-up closed by default, the admin behind it."""

from __future__ import annotations

from django.core.cache import cache
from django.test import Client, override_settings

from tests.factories import PASSWORD


def test_failed_logins_are_rate_limited(people):
    cache.clear()
    client = Client()
    pages = [client.post("/accounts/login/", {"login": "labeler-a1", "password": "wrong"}).text for _ in range(6)]
    assert not any("Too many failed login attempts" in page for page in pages[:5])
    assert "Too many failed login attempts" in pages[5]
    # Even the right password is refused while the limit holds.
    right = client.post("/accounts/login/", {"login": "labeler-a1", "password": PASSWORD})
    assert right.status_code == 200 and "Too many failed login attempts" in right.text
    cache.clear()


def test_signup_is_closed_unless_switched_on(db):
    assert "closed" in Client().get("/accounts/signup/").text.lower()
    with override_settings(FEEDLOOP_SIGNUP_OPEN=True):
        assert 'name="username"' in Client().get("/accounts/signup/").text


def test_the_login_page_offers_sign_up_only_when_it_is_open(db):
    assert "/accounts/signup/" not in Client().get("/accounts/login/").text
    with override_settings(FEEDLOOP_SIGNUP_OPEN=True):
        assert 'href="/accounts/signup/"' in Client().get("/accounts/login/").text


def test_password_reset_sends_a_mail(people, mailoutbox):
    cache.clear()
    response = Client().post("/accounts/password/reset/", {"email": people.labeler_a1.email})
    assert response.status_code == 302
    assert len(mailoutbox) == 1 and people.labeler_a1.email in mailoutbox[0].to


def test_admin_login_goes_through_the_labeler_login(people):
    client = Client()
    assert client.get("/admin/login/").url.startswith("/accounts/login/")
    client.post("/accounts/login/", {"login": "labeler-a1", "password": PASSWORD})
    assert client.get("/admin/login/").status_code == 403  # logged in but not staff


def test_a_labeler_opening_the_admin_gets_a_page_with_a_way_back_and_no_traceback(people, caplog):
    client = Client()
    client.post("/accounts/login/", {"login": "labeler-a1", "password": PASSWORD})
    page = client.get("/admin/", follow=True)
    assert page.status_code == 403
    assert 'class="top"' in page.text and "labeler-a1" in page.text  # the site's own layout
    assert "not open to you" in page.text and 'href="/"' in page.text
    assert not [record for record in caplog.records if record.exc_info]
