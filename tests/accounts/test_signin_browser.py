"""Signing in, a one-time password, and the roles' doors, in Chromium, axe clean on every page."""

from __future__ import annotations

from bot.accounts.roles import ADMIN
from bot.accounts.store import AccountStore
from tests.accounts.helpers import account
from tests.web.conftest import SCREENSHOTS, run_browser

BLOCKING = ("serious", "critical")


def test_an_administrator_opens_an_account_and_its_owner_signs_in_with_their_own_password(site):
    seen = run_browser(
        site,
        "accounts",
        admin="browser-admin",
        adminPassword=account(site.settings, "browser-admin", ADMIN),
        newName="zhou-ba",
        newDisplay="周八",
        newPassword="desk 42, spring rain",
        screenshots=str(SCREENSHOTS),
    )
    assert seen["gateStatus"] == 401 and seen["adminLanded"] == "/admin/users"
    assert seen["nav"] == ["编辑", "审核", "导入", "看板", "账号", "模型"] and seen["current"] == "账号"
    assert "已开通账号 zhou-ba" in seen["created"] and "周八" in seen["row"] and "待改初始密码" in seen["row"]
    assert len(seen["oneTime"]) == 19 and seen["afterSignOut"] == 1
    assert seen["firstLanding"] == "/console/account" and "一次性密码" in seen["mustChange"]
    assert "密码已修改" in seen["changed"]
    assert seen["consoleName"] == "zhou-ba" and seen["adminLink"] == 0  # hotline staff see no admin link
    assert seen["refusedStatus"] == 403 and "没有材料库管理的权限" in seen["refusedText"]
    blocking = {
        page: [v for v in found if v["impact"] in BLOCKING] for page, found in seen["violations"].items()
    }
    assert blocking == {"login": [], "users": [], "account": [], "forbidden": []}
    stored = AccountStore(site.settings.console_store_url).get("zhou-ba")
    assert stored is not None and not stored.must_change_password and stored.created_by == "browser-admin"
    assert (SCREENSHOTS / "admin-users.png").is_file() and (SCREENSHOTS / "console-account.png").is_file()
