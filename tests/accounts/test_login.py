"""Logging in: username or email, rate limited, sign-up closed by default, the admin behind it."""

from __future__ import annotations

from django.core.cache import cache, caches
from django.test import Client, override_settings

from tests.factories import PASSWORD, UserFactory


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


def log_in(username: str, password: str, **meta: str) -> object:
    return Client(**meta).post("/accounts/login/", {"login": username, "password": password})


def test_an_office_behind_one_address_can_all_log_in_at_nine(db):
    """Forty people behind one NAT sign in within the same minute (allauth's default of
    30 logins a minute per address refused the 31st)."""
    people = [UserFactory() for _ in range(40)]
    answers = [log_in(person.username, PASSWORD, REMOTE_ADDR="203.0.113.7") for person in people]
    assert [answer.status_code for answer in answers] == [302] * 40


def test_behind_a_trusted_proxy_each_client_address_is_limited_on_its_own(db, settings):
    """With one trusted proxy the address is the last one it forwarded; without it the
    header is ignored (anyone can send it) and the proxy's own address is limited."""

    def failures(count: int) -> list[str]:
        return [
            log_in(f"nobody-{n}", "wrong", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR=f"198.51.100.{n}").text
            for n in range(count)
        ]

    settings.ALLAUTH_TRUSTED_PROXY_COUNT = 1
    assert not any("Too many failed login attempts" in page for page in failures(70))
    caches["default"].clear()
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = 0
    pages = failures(61)
    assert not any("Too many failed login attempts" in page for page in pages[:60])
    assert "Too many failed login attempts" in pages[60]


def test_an_account_is_limited_whatever_address_the_attempts_come_from(people):
    pages = [log_in("labeler-a1", "wrong", REMOTE_ADDR=f"192.0.2.{n}").text for n in range(6)]
    assert not any("Too many failed login attempts" in page for page in pages[:5])
    assert "Too many failed login attempts" in pages[5]


def test_a_password_change_ends_every_other_session_and_logout_ends_this_one(people):
    """The laptop left logged in at the office is signed out when its owner changes the
    password from home; the home session goes on; logging out ends a session for good."""
    office, home = Client(), Client()
    for client in (office, home):
        assert client.post("/accounts/login/", {"login": "labeler-a1", "password": PASSWORD}).status_code == 302
    assert office.get("/").status_code == home.get("/").status_code == 200
    old_session = office.cookies["sessionid"].value

    changed = home.post(
        "/accounts/password/change/",
        {"oldpassword": PASSWORD, "password1": "a-new-pass-phrase-7", "password2": "a-new-pass-phrase-7"},
    )

    assert changed.status_code == 302, changed.content[:500]
    assert home.get("/").status_code == 200
    assert office.get("/").status_code == 302  # to the login page
    home.post("/accounts/logout/")
    assert home.get("/").status_code == 302
    replay = Client()
    replay.cookies["sessionid"] = old_session
    assert replay.get("/").status_code == 302
