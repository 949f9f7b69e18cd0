"""The registry matcher without Rasa: built from the registry files and the curated lexicon."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.nlu import retrieval
from bot.nlu.retrieval import Index, clean, name_variants
from bot.settings import ROOT

QUICK = Path(__file__).with_name("quick_set.jsonl")


def test_every_scenario_matter_and_catalogue_entry_is_indexed_once(index, registry):
    kinds = {k: sum(1 for e in index.entries if e.kind == k) for k in ("scenario", "matter", "catalogue")}
    assert kinds["scenario"] == len(registry.scenarios)
    assert kinds["matter"] == len(registry.matters)
    # A detailed matter's own catalogue row is the matter: it appears once.
    assert kinds["catalogue"] == sum(1 for c in registry.catalogue.values() if not c.matter)
    assert len({e.id for e in index.entries}) == len(index.entries)


def test_an_entry_named_in_a_message_is_never_missed(index):
    """Its official name, however the message goes on: named, and first (or tied with entries of
    the very same name, which the bot then asks about)."""
    problems = []
    for e in index.entries:
        for message in (e.name, f"请问{e.name}需要带什么材料，多久能办好"):
            ranking = index.rank(message, 10)
            mine = next((r for r in ranking if r["id"] == e.id), None)
            leaders = [r for r in ranking if r["score"] >= ranking[0]["score"] - 1e-9]
            same_name_first = ranking[0]["name"] == e.name
            if (
                mine is None
                or not mine["named"]
                or not (e.id in {r["id"] for r in leaders} or same_name_first)
            ):
                problems.append((e.id, e.name, message, ranking[:2]))
    assert not problems, problems[:5]


def test_aliases_name_their_entry(index):
    for e in index.entries:
        for alias in e.aliases:
            if len(clean(alias)) >= 2:
                ranking = index.rank(f"{alias}怎么办", 10)
                assert any(r["id"] == e.id and r["named"] for r in ranking), (e.id, alias)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("驾照丢了怎么补", "driving_licence_reissue_renewal"),
        ("想开个淘宝店要办营业执照吗", "individual_business_establishment_registration"),
        ("工伤认定怎么申请", "work_injury_recognition"),
        ("how do I renew my driver's license", "driving_licence_reissue_renewal"),
        ("开办餐饮店一件事办理时限多久", "restaurant_opening"),
        ("残疾证丢了", "disability_certificate_loss_reissue"),
    ],
)
def test_people_s_own_words_reach_the_official_entry(index, text, expected):
    assert index.rank(text, 3)[0]["id"] == expected


def test_traditional_characters_are_read_as_simplified(index):
    top = index.rank("身分證掉了怎麼補辦", 2)
    assert {r["id"] for r in top} == {"id_card_replacement_lost", "id_card_loss_report"}


def test_the_action_decides_between_siblings(index):
    """丢了 prefers 补领 and 过期 prefers 换领 over the other actions on the same document."""
    lost = [r["id"] for r in index.rank("身份证丢了", 3)]
    expired = [r["id"] for r in index.rank("身份证过期了", 3)]
    assert lost[0] in {"id_card_replacement_lost", "id_card_loss_report"}
    assert expired[0] == "id_card_renewal"


def test_nothing_matches_what_the_registry_does_not_cover(index):
    assert index.rank("今天天气怎么样") == []
    assert all(r["score"] < 0.3 for r in index.rank("下期彩票号码是多少"))


def test_name_variants_drop_brackets():
    assert name_variants("《食品经营许可证》注销") == ["食品经营许可证注销"]
    assert name_variants("户口登记（退役军人恢复户口）") == ["户口登记退役军人恢复户口", "户口登记"]
    assert name_variants("公共场所卫生许可（新发）") == ["公共场所卫生许可新发", "公共场所卫生许可"]


def test_saved_index_ranks_the_same(index, tmp_path):
    index.save(tmp_path)
    loaded = Index.load(tmp_path)
    for text in ("驾照丢了怎么补", "社保从外地转回来怎么弄", "公积金提前还款"):
        assert loaded.rank(text) == index.rank(text)


def test_own_quick_set(index):
    """H3's own ~70 development messages (not the held-out set): the matcher alone, top-3. Its
    speed is measured by make bench (identification latency), not asserted here."""
    rows = [json.loads(line) for line in QUICK.read_text(encoding="utf-8").splitlines() if line.strip()]
    by_name = {}
    for e in index.entries:
        by_name.setdefault(e.name, []).append(e.id)
    hits = total = 0
    for row in rows:
        accepted = [
            i
            for x in row["expected"]
            for i in (by_name.get(x[10:], []) if x.startswith("catalogue:") else [x])
        ]
        ranking = index.rank(row["text"], 10)
        if not accepted or row["kind"] == "indirect" or accepted == ["vague"]:
            continue  # life events described indirectly are the trained intents' part
        total += 1
        hits += any(r["id"] in accepted for r in ranking[:3])
    assert hits / total >= 0.9


def test_generic_words_alone_name_nothing(index):
    for text in ("我想办个证", "我要补个证", "我要办事", "找对象", "办个手续", "我要开个证明"):
        assert not index.specific(text), text
    for text in ("补个身份证", "护照", "驾照丢了", "流学存档"):
        assert index.specific(text), text


@pytest.mark.parametrize(
    ("typed", "meant"),
    [
        ("社宝卡密码忘了", "社保卡密码忘了"),
        ("户口签移要什么手续", "户口迁移要什么手续"),
        ("养老经怎么领", "养老金怎么领"),
        ("营业执造怎么办", "营业执照怎么办"),
        ("想问一下公租房怎么申情", "想问一下公租房怎么申请"),
    ],
)
def test_input_method_typos_are_read_as_the_word_that_sounds_the_same(index, typed, meant):
    assert index.corrector.correct(clean(typed)) == clean(meant)


@pytest.mark.parametrize(
    "text",
    ["我闺女今年上小学", "我媳妇昨天在湘雅生了个闺女", "小孩刚出生怎么上户口", "今天天气怎么样", "找对象"],
)
def test_words_that_are_not_typos_stay_as_typed(index, text):
    """Everyday words no guide uses (闺女) and spans that reach into common words (怎么) are kept."""
    assert index.corrector.correct(clean(text)) == clean(text)


def test_a_typo_reaches_the_entry(index):
    assert index.rank("社宝卡密码忘了", 1)[0]["id"] == "social_security_card_password_reset"


def test_a_matter_s_phrases_lead_to_it_without_naming_it():
    """People's own words for a matter (data/nlu/matters) are indexed beside its official texts:
    they rank it for a message in those words, but only a name or an alias *names* an entry."""
    from bot.nlu.entries import Entry
    from bot.nlu.retrieval import Lexicon

    def matter(mid: str, name: str, phrases: tuple[str, ...] = ()) -> Entry:
        fields = {"phrases": phrases} if phrases else {}
        return Entry(mid, "matter", name, audience="personal", fields=fields)

    siblings = [
        matter("on_retirement", "离休退休提取住房公积金"),
        matter("on_leaving", "离职提取住房公积金"),
        matter("on_purchase", "购买自住住房提取住房公积金"),
        matter("pension", "城乡居民基本养老保险待遇申领"),
    ]
    plain = Index.build(siblings, Lexicon())
    worded = [
        matter(
            "on_retirement",
            "离休退休提取住房公积金",
            ("到龄了公积金里的钱能一次取完吗", "到龄不上班了公积金咋取"),
        ),
        *siblings[1:],
    ]
    index = Index.build(worded, Lexicon())
    text = "我到龄了，公积金的钱咋取"
    assert plain.rank(text, 3)[0]["id"] != "on_retirement"
    top = index.rank(text, 3)[0]
    assert top["id"] == "on_retirement" and not top["named"]


def test_a_scenario_is_found_by_how_people_tell_it():
    """A life event told as a story shares few words with the scenario's guide: its training
    phrases (data/nlu/scenarios), read as the field ``scenario_phrases``, rank it."""
    from bot.nlu.entries import Entry
    from bot.nlu.retrieval import Lexicon

    def scenario(sid: str, name: str, bundled: tuple[str, ...], told: tuple[str, ...] = ()) -> Entry:
        fields = {"bundled": bundled, **({"scenario_phrases": told} if told else {})}
        return Entry(sid, "scenario", name, fields=fields)

    def entries(told: tuple[str, ...]) -> list[Entry]:
        return [
            scenario(
                "acceptance",
                "建设工程联合验收一件事",
                ("规划条件核实", "消防验收", "人防工程竣工验收备案"),
                told,
            ),
            scenario("opening", "商业项目开业一件事", ("公众聚集场所投入使用营业前消防安全检查",)),
            Entry(
                "survey", "matter", "建设工程竣工测量", fields={"materials": ("房子平面图", "有关部门意见")}
            ),
        ]

    text = "房子盖好了，要几个部门一起来看"
    told = ("小区房子盖完了，几个部门分别来看太慢了", "房子盖好了，各部门能一起来看吗")
    assert Index.build(entries(()), Lexicon()).rank(text, 3)[0]["id"] != "acceptance"
    top = Index.build(entries(told), Lexicon()).rank(text, 3)[0]
    assert top["id"] == "acceptance" and not top["named"]


def test_registry_entries_carry_each_scenarios_training_phrases(tmp_path):
    from bot.nlu.entries import registry_entries

    registry = ROOT / "data" / "registry"
    (tmp_path / "newborn.yml").write_text(
        'version: "3.1"\nnlu:\n- intent: scenario_newborn\n  examples: |\n    - 娃生了，手续咋办\n    - 娃生了，手续咋办\n',
        encoding="utf-8",
    )
    by_id = {e.id: e for e in registry_entries(registry, None, tmp_path)}
    assert by_id["newborn"].fields["scenario_phrases"] == ("娃生了，手续咋办",)
    assert "scenario_phrases" not in by_id["retirement"].fields
    assert "scenario_phrases" not in {f for e in registry_entries(registry) for f in e.fields}


def test_query_keeps_recent_readings_and_hands_out_copies(index: Index) -> None:
    """A parse reads a message several times; the kept reading is the one computed afresh, and a
    caller that changes its copy (``scores`` sets ``unknown``) changes no one else's."""
    message = "身份症丢了怎么补办"
    first = index.query(message)
    assert first == index._query(message)
    first.unknown = 99.0
    assert index.query(message).unknown == index._query(message).unknown != 99.0
    for i in range(retrieval.QUERY_CACHE + 1):  # bounded: older readings are dropped
        index.query(f"护照{i}")
    assert len(index.__dict__["_queries"]) <= retrieval.QUERY_CACHE
    assert index.query(message) == index._query(message)
