"""Personal accounts through the real web server: the login form, one-time passwords that must be
replaced, lockout, signing out everywhere, /admin/users, roles at the gate, the machine door, the
command line, and production's refusal of the development administrator."""

from __future__ import annotations

import subprocess
import sys
from urllib.parse import quote

import pytest
import requests

from bot.accounts.manage import DEVELOPMENT_ADMIN, DEVELOPMENT_PASSWORD, Management
from bot.accounts.roles import ADMIN, EDITOR, HOTLINE
from bot.accounts.sessions import REFUSED
from bot.accounts.startup import open_accounts, staff_sign_in
from bot.accounts.store import AccountStore
from bot.settings import ROOT, DevelopmentValuesInProduction, SecretSettings, load_settings
from tests.accounts.helpers import PASSWORD, account, bearer


def sign_in(web: str, name: str, password: str, **form: str) -> tuple[requests.Session, requests.Response]:
    session = requests.Session()
    response = session.post(
        web + "/console/login",
        data={"name": name, "password": password, **form},
        allow_redirects=False,
        timeout=30,
    )
    return session, response


def admin_session(site, web: str, name: str = "root-admin") -> requests.Session:
    session, response = sign_in(web, name, account(site.settings, name, ADMIN))
    assert response.status_code == 303, response.text
    return session


def test_the_login_form_signs_a_person_in_with_a_strict_session_cookie(site, web):
    account(site.settings, "zhao", HOTLINE)
    session, wrong = sign_in(web, "zhao", "not-the-password")
    assert wrong.status_code == 401 and "账号或密码不对" in wrong.text and 'value="zhao"' in wrong.text
    assert "set-cookie" not in wrong.headers
    session, ok = sign_in(web, "zhao", PASSWORD)
    assert ok.status_code == 303 and ok.headers["location"] == "/console"
    cookie = ok.headers["set-cookie"]
    assert cookie.startswith("onceonly_session=") and "HttpOnly" in cookie and "SameSite=strict" in cookie
    assert "Path=/;" in cookie and "Max-Age=43200" in cookie
    assert session.get(web + "/console/api/me", timeout=30).json() == {"staff": "zhao"}
    session.post(web + "/console/logout", timeout=30)
    assert session.get(web + "/console/api/me", timeout=30).status_code == 401


@pytest.mark.parametrize(
    ("next_path", "lands"),
    [
        ("/admin/users", "/admin/users"),
        ("//evil.example/x", "/console"),
        ("https://evil.example/", "/console"),
        ("/guide", "/console"),
        ("/console/report", "/console/report"),
        ("/admin\t//evil.example", "/console"),
    ],
)
def test_after_sign_in_only_our_own_staff_pages_are_a_destination(site, web, next_path, lands):
    _, response = sign_in(web, "root-admin", account(site.settings, "root-admin", ADMIN), next=next_path)
    assert response.headers["location"] == lands


def test_a_stranger_opening_an_admin_page_gets_the_login_form_that_leads_back(web):
    response = requests.get(web + "/admin/users", headers={"Accept": "text/html"}, timeout=30)
    assert response.status_code == 401
    assert 'action="/console/login"' in response.text and 'name="next" value="/admin/users"' in response.text


def test_an_account_made_by_an_administrator_must_replace_its_one_time_password(site, web):
    admin = admin_session(site, web)
    made = admin.post(
        web + "/admin/users", json={"name": "new-hire", "role": "hotline", "display": "钱七"}, timeout=30
    )
    assert made.status_code == 201 and made.headers["cache-control"] == "no-store"
    one_time = made.json()["password"]
    assert made.json()["account"]["must_change_password"] is True

    person, response = sign_in(web, "new-hire", one_time)
    assert response.headers["location"] == "/console/account"
    refused = person.get(web + "/console/api/queue", timeout=30)
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "password_change_required"
    page = person.get(web + "/console", headers={"Accept": "text/html"}, allow_redirects=False, timeout=30)
    assert page.status_code == 303 and page.headers["location"] == "/console/account"
    form = person.get(web + "/console/account", timeout=30)
    assert form.status_code == 200 and "一次性密码" in form.text

    differ = person.post(
        web + "/console/account/password",
        data={"current": one_time, "new": "my-own-secret-1", "repeat": "my-own-secret-2"},
        timeout=30,
    )
    assert differ.status_code == 400 and "不一致" in differ.text
    weak = person.post(
        web + "/console/account/password",
        data={"current": one_time, "new": "short", "repeat": "short"},
        timeout=30,
    )
    assert weak.status_code == 400 and "至少 10 个字符" in weak.text
    done = person.post(
        web + "/console/account/password",
        data={"current": one_time, "new": "my-own-secret-1", "repeat": "my-own-secret-1"},
        timeout=30,
    )
    assert done.status_code == 200 and "密码已修改" in done.text
    assert person.get(web + "/console/api/queue", timeout=30).status_code == 200
    assert sign_in(web, "new-hire", one_time)[1].status_code == 401


def test_five_wrong_passwords_lock_the_account_even_against_the_right_one(site, web):
    account(site.settings, "guessed", HOTLINE)
    statuses = [sign_in(web, "guessed", f"guess-{n}")[1].status_code for n in range(5)]
    assert statuses == [401] * 5
    _, locked = sign_in(web, "guessed", PASSWORD)
    _, unknown = sign_in(web, "never-made", PASSWORD)
    assert locked.status_code == 401 and "set-cookie" not in locked.headers
    # the same page as for a name that does not exist (which the form shows back as typed)
    assert locked.text.replace("guessed", "never-made") == unknown.text and REFUSED in locked.text
    admin = admin_session(site, web)
    reset = admin.post(
        web + "/admin/users/guessed/password", headers={"Accept": "application/json"}, timeout=30
    )
    assert reset.status_code == 200
    assert sign_in(web, "guessed", reset.json()["password"])[1].status_code == 303


def test_sign_out_everywhere_ends_every_session_of_that_person_only(site, web):
    account(site.settings, "two-desks", HOTLINE)
    account(site.settings, "bystander", HOTLINE)
    desk, _ = sign_in(web, "two-desks", PASSWORD)
    phone, _ = sign_in(web, "two-desks", PASSWORD)
    other, _ = sign_in(web, "bystander", PASSWORD)
    done = desk.post(web + "/console/account/sign-out-everywhere", allow_redirects=False, timeout=30)
    assert done.status_code == 303
    for session, status in ((desk, 401), (phone, 401), (other, 200)):
        assert session.get(web + "/console/api/me", timeout=30).status_code == status


def test_an_administrator_manages_accounts_and_every_change_names_them(site, web):
    admin = admin_session(site, web)
    account(site.settings, "managed", HOTLINE)
    managed, _ = sign_in(web, "managed", PASSWORD)
    json = {"Accept": "application/json"}
    role = admin.post(web + "/admin/users/managed/role", json={"role": "editor"}, timeout=30)
    assert role.json()["account"]["role"] == EDITOR
    assert managed.get(web + "/admin", timeout=30).status_code != 403  # the new role applies at once
    out = admin.post(web + "/admin/users/managed/sign-out", headers=json, timeout=30)
    assert out.status_code == 200 and managed.get(web + "/console/api/me", timeout=30).status_code == 401
    managed, _ = sign_in(web, "managed", PASSWORD)
    disabled = admin.post(web + "/admin/users/managed/disable", headers=json, timeout=30)
    assert disabled.json()["account"]["active"] is False
    assert managed.get(web + "/console/api/me", timeout=30).status_code == 401
    assert sign_in(web, "managed", PASSWORD)[1].status_code == 401
    admin.post(web + "/admin/users/managed/enable", headers=json, timeout=30)
    page = admin.get(web + "/admin/users", timeout=30)
    assert page.status_code == 200 and 'data-account="managed"' in page.text
    events = AccountStore(site.settings.console_store_url).events("managed")
    assert {(e["actor"], e["action"]) for e in events} >= {
        ("root-admin", "role_changed"),
        ("root-admin", "signed_out_everywhere"),
        ("root-admin", "disabled"),
        ("root-admin", "enabled"),
    }


@pytest.mark.parametrize(
    ("path", "body", "status", "code"),
    [
        ("/admin/users", {"name": "<b>x</b>", "role": "hotline"}, 400, "invalid_name"),
        ("/admin/users", {"name": "ok-name", "role": "superuser"}, 400, "invalid_role"),
        ("/admin/users", {"name": "root-admin", "role": "hotline"}, 409, "account_exists"),
        ("/admin/users", {"name": "ok-name", "role": "hotline", "display": "x" * 40}, 400, "invalid_display"),
        ("/admin/users/ghost/role", {"role": "editor"}, 404, "no_such_account"),
        ("/admin/users/root-admin/role", {"role": "hotline"}, 409, "own_account"),
        ("/admin/users/root-admin/disable", {}, 409, "own_account"),
    ],
)
def test_bad_changes_are_refused_clearly_and_change_nothing(site, web, path, body, status, code):
    admin = admin_session(site, web)
    before = [(a.name, a.role, a.active) for a in AccountStore(site.settings.console_store_url).all()]
    response = admin.post(web + path, json=body, timeout=30)
    assert response.status_code == status and response.json()["error"]["code"] == code, response.text
    assert [(a.name, a.role, a.active) for a in AccountStore(site.settings.console_store_url).all()] == before
    form = admin.post(web + path, data=body, timeout=30)  # a browser's form gets the page with the reason
    assert form.status_code == status and 'role="alert">' in form.text and "<html" in form.text


def test_what_people_type_is_shown_as_text_never_as_markup(site, web):
    admin = admin_session(site, web)
    admin.post(
        web + "/admin/users",
        json={"name": "escaped", "role": "hotline", "display": "<img src=x onerror=alert(1)>"},
        timeout=30,
    )
    page = admin.get(web + "/admin/users", timeout=30).text
    assert "<img src=x" not in page and "&lt;img src=x onerror=alert(1)&gt;" in page


def test_roles_decide_at_the_gate_and_at_the_route(site, web):
    hotline = bearer(site.settings, "desk-only", HOTLINE)
    editor = bearer(site.settings, "an-editor", EDITOR)
    assert requests.get(web + "/console/api/queue", headers=hotline, timeout=30).status_code == 200
    assert requests.get(web + "/admin", headers=hotline, timeout=30).status_code == 403
    assert requests.get(web + "/admin", headers=editor, timeout=30).status_code == 200
    refused = requests.get(web + "/admin/users", headers=editor, timeout=30)
    assert refused.status_code == 403 and "管理账号" in refused.json()["error"]["message"]
    session, _ = sign_in(web, "desk-only", PASSWORD)
    page = session.get(web + "/admin/users", headers={"Accept": "text/html"}, timeout=30)
    assert page.status_code == 403 and "返回助办台" in page.text


def test_the_machine_door_needs_the_token_and_an_existing_active_account(site, web):
    token = site.settings.secrets.staff_token
    assert requests.get(
        web + "/console/api/me", headers=bearer(site.settings, "李四"), timeout=30
    ).json() == {"staff": "李四"}
    for headers in (
        {"Authorization": f"Bearer {token}", "X-Staff-Name": "no-such-account"},
        {"Authorization": f"Bearer {token}"},
        {"Authorization": "Bearer not-the-token", "X-Staff-Name": quote("李四")},
    ):
        assert requests.get(web + "/console/api/me", headers=headers, timeout=30).status_code == 401
    Management(AccountStore(site.settings.console_store_url)).set_active("tests", "李四", False)
    disabled = {"Authorization": f"Bearer {token}", "X-Staff-Name": quote("李四")}
    assert requests.get(web + "/console/api/me", headers=disabled, timeout=30).status_code == 401


def test_a_form_posted_from_another_site_is_refused(site, web):
    session = admin_session(site, web)
    evil = session.post(
        web + "/admin/users",
        data={"name": "csrf", "role": "admin"},
        headers={"Origin": "https://evil.example"},
        timeout=30,
    )
    assert evil.status_code == 403 and evil.json()["error"]["code"] == "cross_site"
    assert AccountStore(site.settings.console_store_url).get("csrf") is None
    ours = session.post(
        web + "/admin/users", data={"name": "csrf", "role": "hotline"}, headers={"Origin": web}, timeout=30
    )
    assert ours.status_code == 201


def test_the_first_administrator_comes_from_the_command_line(site, web):
    env = {**site.settings.environment(), "PATH": "/usr/bin:/bin"}
    add = subprocess.run(
        [sys.executable, "-m", "bot", "users", "add", "first-admin", "--role", "admin", "--password-stdin"],
        input="a-long-chosen-password\n",
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=120,
    )
    assert add.returncode == 0, add.stderr
    weak = subprocess.run(
        [sys.executable, "-m", "bot", "users", "add", "second", "--role", "admin", "--password-stdin"],
        input="short\n",
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=120,
    )
    assert weak.returncode == 1 and "至少 10 个字符" in weak.stderr
    listed = subprocess.run(
        [sys.executable, "-m", "bot", "users", "list"],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=120,
    )
    assert "first-admin\tadmin\tactive" in listed.stdout and "second" not in listed.stdout
    assert f"{DEVELOPMENT_ADMIN}\tadmin\tactive" in listed.stdout and "development" in listed.stdout
    session, response = sign_in(web, "first-admin", "a-long-chosen-password", next="/admin/users")
    assert response.headers["location"] == "/admin/users"
    assert session.get(web + "/admin/users", timeout=30).status_code == 200


def test_development_gives_an_administrator_and_production_refuses_it(tmp_path):
    development = load_settings(var_dir=tmp_path)
    open_accounts(development).store.engine.dispose()
    store = AccountStore(development.console_store_url)
    assert store.get(DEVELOPMENT_ADMIN).development
    assert f"{DEVELOPMENT_ADMIN} / {DEVELOPMENT_PASSWORD}" in staff_sign_in(development)  # make run says so
    secrets = {name: f"production-{name}-value" for name in SecretSettings.__fields__}
    production = load_settings(var_dir=tmp_path, env="production", load_demo_citizens=False, **secrets)
    with pytest.raises(DevelopmentValuesInProduction, match=DEVELOPMENT_ADMIN):
        open_accounts(production)
    Management(store).create("ops", "real-admin", ADMIN, password="ops-chosen-secret-42")
    Management(store).set_active("real-admin", DEVELOPMENT_ADMIN, False)
    assert open_accounts(production).sign_in("real-admin", "ops-chosen-secret-42").user.role == ADMIN
    assert DEVELOPMENT_PASSWORD not in staff_sign_in(production)
    assert DEVELOPMENT_PASSWORD not in (store.get(DEVELOPMENT_ADMIN).password_hash)
