"""Accounts without the web server: argon2id hashes, sign-in, lockout, expiry, revocation, and the
rules an administrator works within. A real store on a throwaway SQLite file."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from argon2 import PasswordHasher, Type

from bot.accounts import passwords
from bot.accounts.manage import DEVELOPMENT_ADMIN, Management
from bot.accounts.roles import ADMIN, EDITOR, HOTLINE
from bot.accounts.sessions import REFUSED, Sessions
from bot.accounts.store import AccountStore
from bot.accounts.store import sessions as sessions_table
from bot.jsonapi import ApiError
from bot.settings import AccountSettings

GOOD = "correct-horse-battery"
T0 = 1_800_000_000.0


@pytest.fixture(autouse=True)
def cheaper_hashes(monkeypatch):
    """argon2id still, with less memory and time: these tests hash a hundred times on a shared
    machine (the production parameters are checked below; the HTTP tests use them)."""
    monkeypatch.setattr(passwords, "_hasher", PasswordHasher(time_cost=1, memory_cost=8192, parallelism=1))


@pytest.fixture
def store(tmp_path) -> AccountStore:
    store = AccountStore(f"sqlite:///{tmp_path / 'console.sqlite3'}")
    yield store
    store.engine.dispose()


@pytest.fixture
def manage(store) -> Management:
    return Management(store)


@pytest.fixture
def sessions(store) -> Sessions:
    return Sessions(
        store,
        AccountSettings(session_idle_minutes=30, session_hours=8, lockout_failures=5, lockout_minutes=15),
    )


def refused(code: str, call, *args, **kwargs) -> ApiError:
    with pytest.raises(ApiError) as caught:
        call(*args, **kwargs)
    assert caught.value.code == code, caught.value.message
    return caught.value


# -- passwords -------------------------------------------------------------------------------------


def test_the_hasher_is_argon2id_with_rfc_9106_low_memory_parameters(monkeypatch):
    monkeypatch.undo()
    hasher = passwords._hasher
    assert (hasher.type, hasher.time_cost, hasher.memory_cost, hasher.parallelism) == (Type.ID, 3, 65536, 4)


def test_passwords_are_stored_as_argon2id_hashes_never_in_the_clear(manage, store):
    manage.create("root", "张三", EDITOR, password=GOOD)
    stored = store.get("张三").password_hash
    assert stored.startswith("$argon2id$") and GOOD not in stored
    assert passwords.verify_password(stored, GOOD) and not passwords.verify_password(stored, GOOD + "x")
    assert not passwords.verify_password("not-a-hash", GOOD)  # a damaged hash matches nothing


@pytest.mark.parametrize(
    ("password", "why"),
    [
        ("short", "至少"),
        ("x" * 129, "最多"),
        (" leading-space-pw", "首尾"),
        ("my-zhangsan-pw", "账号名"),
        ("aaaaaaaaaaaa", "简单"),
    ],
)
def test_weak_passwords_are_refused_with_the_reason(password, why):
    assert why in (passwords.weakness(password, "zhangsan") or "")


def test_one_time_passwords_are_long_readable_and_different():
    made = {passwords.one_time_password() for _ in range(50)}
    assert len(made) == 50
    assert all(
        len(p) == 19 and passwords.weakness(p, "0") is None and not set(p) & set("0O1lI") for p in made
    )


# -- signing in ------------------------------------------------------------------------------------


def test_sign_in_gives_a_session_naming_the_person_with_their_role(manage, sessions):
    manage.create("root", "li", EDITOR, display="李四", password=GOOD)
    signed = sessions.sign_in("li", GOOD, now=T0)
    current = sessions.current(signed.token, now=T0 + 1)
    assert current is not None and current.user.name == "li" and current.user.role == EDITOR
    assert current.user.display == "李四" and not current.must_change_password
    assert signed.max_age == 8 * 3600


def test_the_session_table_holds_only_a_hash_of_the_cookie(manage, sessions, store):
    manage.create("root", "li", HOTLINE, password=GOOD)
    signed = sessions.sign_in("li", GOOD)
    with store.engine.connect() as conn:
        ids = [row.id for row in conn.execute(sa.select(sessions_table))]
    assert len(ids) == 1 and ids[0] != signed.token and len(ids[0]) == 64


@pytest.mark.parametrize("name", ["li", "nobody", "", None, "<b>", "x" * 40])
def test_a_wrong_name_or_password_says_the_same_thing(manage, sessions, name):
    manage.create("root", "li", HOTLINE, password=GOOD)
    error = refused("sign_in_failed", sessions.sign_in, name, "wrong-password")
    assert error.status == 401 and error.message.startswith("账号或密码不对")


class CountingHasher(PasswordHasher):
    """The tests' cheap argon2id, counting the checks it makes."""

    def __init__(self) -> None:
        super().__init__(time_cost=1, memory_cost=8192, parallelism=1)
        self.checks = 0

    def verify(self, hash: str | bytes, password: str | bytes) -> bool:
        self.checks += 1
        return super().verify(hash, password)


def _answer(sessions: Sessions, name: str, password: str) -> tuple[int, str, str, int]:
    """(status, code, message, argon2 checks spent) of one refused sign-in."""
    hasher = passwords._hasher
    assert isinstance(hasher, CountingHasher)
    before = hasher.checks
    error = refused("sign_in_failed", sessions.sign_in, name, password, now=T0)
    return error.status, error.code, error.message, hasher.checks - before


def test_no_failed_sign_in_tells_whether_the_name_exists_or_is_locked(manage, sessions, store, monkeypatch):
    """Unknown, disabled, wrong password, one try before the lock, locked (even with the right
    password): one answer, word for word, and one argon2 check each (a decoy hash when there is no
    account to check), so neither the words nor a stopwatch tell a stranger which names exist."""
    monkeypatch.setattr(passwords, "_hasher", CountingHasher())
    manage.create("root", "root", ADMIN, password=GOOD)
    for name in ("li", "off", "locked"):
        manage.create("root", name, HOTLINE, password=GOOD)
    manage.set_active("root", "off", False)
    for _ in range(4):
        refused("sign_in_failed", sessions.sign_in, "locked", "nope", now=T0)
    answers = {
        "unknown": _answer(sessions, "nobody", "wrong-password"),
        "disabled": _answer(sessions, "off", GOOD),
        "wrong password": _answer(sessions, "li", "wrong-password"),
        "the locking try": _answer(sessions, "locked", "wrong-password"),
        "locked, right password": _answer(sessions, "locked", GOOD),
    }
    assert store.get("locked").locked(T0)
    assert len(set(answers.values())) == 1, answers
    assert next(iter(answers.values())) == (401, "sign_in_failed", REFUSED, 1)


def test_five_wrong_passwords_lock_the_account_for_fifteen_minutes_even_for_the_right_one(
    manage, sessions, store
):
    manage.create("root", "li", HOTLINE, password=GOOD)
    for _ in range(5):
        refused("sign_in_failed", sessions.sign_in, "li", "nope", now=T0)
    assert store.get("li").locked(T0 + 14 * 60)
    refused("sign_in_failed", sessions.sign_in, "li", GOOD, now=T0 + 14 * 60)
    assert sessions.sign_in("li", GOOD, now=T0 + 15 * 60 + 1).user.name == "li"
    assert store.get("li").failures == 0
    events = store.events("li")
    assert [e["action"] for e in events][:3] == ["sign_in", "locked", "sign_in_failed"]
    assert "15 分钟" in events[1]["detail"]  # the owner reads it on /console/account


def test_a_right_password_resets_the_count_of_wrong_ones(manage, sessions):
    manage.create("root", "li", HOTLINE, password=GOOD)
    for _ in range(4):
        refused("sign_in_failed", sessions.sign_in, "li", "nope", now=T0)
    sessions.sign_in("li", GOOD, now=T0)
    for _ in range(4):
        refused("sign_in_failed", sessions.sign_in, "li", "nope", now=T0)  # four again, not locked


def test_an_administrator_reset_lifts_a_lockout(manage, sessions):
    manage.create("root", "li", HOTLINE, password=GOOD)
    for _ in range(5):
        with pytest.raises(ApiError):
            sessions.sign_in("li", "nope")
    manage.set_password("root", "li", GOOD + "-new")
    assert sessions.sign_in("li", GOOD + "-new").user.name == "li"


# -- sessions end ----------------------------------------------------------------------------------


def test_a_session_ends_when_idle_and_at_its_absolute_end(manage, sessions):
    manage.create("root", "li", HOTLINE, password=GOOD)
    idle = sessions.sign_in("li", GOOD, now=T0).token
    assert sessions.current(idle, now=T0 + 29 * 60) is not None
    assert sessions.current(idle, now=T0 + 29 * 60 + 31 * 60) is None  # 31 min without a request
    busy = sessions.sign_in("li", GOOD, now=T0).token
    for minute in range(20, 8 * 60, 20):  # used every 20 minutes, all day
        assert sessions.current(busy, now=T0 + minute * 60) is not None, minute
    assert sessions.current(busy, now=T0 + 8 * 3600) is None
    assert sessions.current(busy, now=T0 + 1) is None  # an ended session stays ended


def test_sign_out_ends_one_session_and_everywhere_ends_all(manage, sessions):
    manage.create("root", "li", HOTLINE, password=GOOD)
    manage.create("root", "wang", HOTLINE, password=GOOD)
    desk, phone, other = (sessions.sign_in(n, GOOD).token for n in ("li", "li", "wang"))
    sessions.sign_out(desk)
    assert sessions.current(desk) is None and sessions.current(phone) is not None
    desk = sessions.sign_in("li", GOOD).token
    assert manage.sign_out_everywhere("li", "li") == 2
    assert sessions.current(desk) is None and sessions.current(phone) is None
    assert sessions.current(other) is not None  # someone else's stay


def test_changing_ones_password_ends_the_other_sessions_but_not_this_one(manage, sessions):
    manage.create("root", "li", HOTLINE, password=GOOD)
    here, there = sessions.sign_in("li", GOOD).token, sessions.sign_in("li", GOOD).token
    refused("wrong_password", sessions.change_password, "li", "not-it", "another-good-one", here)
    refused("weak_password", sessions.change_password, "li", GOOD, "short", here)
    refused("weak_password", sessions.change_password, "li", GOOD, GOOD, here)
    assert sessions.change_password("li", GOOD, "another-good-one", here) == 1
    assert sessions.current(here) is not None and sessions.current(there) is None
    refused("sign_in_failed", sessions.sign_in, "li", GOOD)
    assert sessions.sign_in("li", "another-good-one").user.name == "li"


def test_disabling_an_account_ends_its_sessions_and_its_machine_door(manage, sessions):
    manage.create("root", "root", ADMIN, password=GOOD)
    manage.create("root", "li", HOTLINE, password=GOOD)
    token = sessions.sign_in("li", GOOD).token
    assert sessions.machine_user("li") is not None
    manage.set_active("root", "li", False)
    assert sessions.current(token) is None and sessions.machine_user("li") is None
    refused("sign_in_failed", sessions.sign_in, "li", GOOD)
    manage.set_active("root", "li", True)
    assert sessions.sign_in("li", GOOD).user.name == "li"


def test_a_role_change_applies_to_open_sessions_at_once(manage, sessions):
    manage.create("root", "root", ADMIN, password=GOOD)
    manage.create("root", "li", HOTLINE, password=GOOD)
    token = sessions.sign_in("li", GOOD).token
    manage.set_role("root", "li", EDITOR)
    assert sessions.current(token).user.can("edit")


def test_a_stale_hash_is_upgraded_at_sign_in(manage, sessions, store):
    manage.create("root", "li", HOTLINE, password=GOOD)
    store.update("li", password_hash=PasswordHasher(time_cost=2, memory_cost=4096, parallelism=1).hash(GOOD))
    sessions.sign_in("li", GOOD)
    assert not passwords.needs_rehash(store.get("li").password_hash)


# -- administering ---------------------------------------------------------------------------------


def test_a_created_account_gets_a_one_time_password_it_must_change(manage, sessions):
    created = manage.create("root", "li", HOTLINE)
    assert created.password and created.account.must_change_password
    signed = sessions.sign_in("li", created.password)
    assert signed.must_change_password
    sessions.change_password("li", created.password, "my-own-password", signed.token)
    assert not sessions.current(signed.token).must_change_password


@pytest.mark.parametrize(
    ("name", "role", "code"),
    [
        ("<b>x</b>", HOTLINE, "invalid_name"),
        ("", HOTLINE, "invalid_name"),
        ("li", "root", "invalid_role"),
        ("li", None, "invalid_role"),
    ],
)
def test_bad_input_is_refused_and_nothing_is_made(manage, store, name, role, code):
    refused(code, manage.create, "root", name, role)
    assert store.count() == 0


def test_names_are_unique_and_accounts_are_never_deleted(manage, store):
    manage.create("root", "li", HOTLINE)
    assert refused("account_exists", manage.create, "root", "li", EDITOR).status == 409
    manage.create("root", "root", ADMIN)
    manage.set_active("root", "li", False)
    assert store.get("li") is not None and store.get("li").role == HOTLINE


def test_an_administrator_cannot_demote_or_disable_themself(manage):
    manage.create("cli", "root", ADMIN)
    refused("own_account", manage.set_role, "root", "root", EDITOR)
    refused("own_account", manage.set_active, "root", "root", False)
    refused("no_such_account", manage.set_role, "root", "ghost", EDITOR)


def test_every_change_names_who_made_it(manage, sessions, store):
    manage.create("cli", "root", ADMIN, password=GOOD)
    manage.create("root", "li", HOTLINE)
    manage.set_role("root", "li", EDITOR)
    manage.set_password("root", "li")
    manage.set_active("root", "li", False)
    done = [(e["actor"], e["action"]) for e in reversed(store.events("li"))]
    assert done == [
        ("root", "created"),
        ("root", "role_changed"),
        ("root", "password_reset"),
        ("root", "disabled"),
    ]


def test_the_development_administrator_appears_only_in_an_empty_system(manage, sessions, store):
    assert manage.ensure_development_admin()
    assert not manage.ensure_development_admin()
    account = store.get(DEVELOPMENT_ADMIN)
    assert account.development and account.role == ADMIN
