"""The English catalogue and the language switch.

The site is written in Simplified Chinese (the msgids); ``src/tousu/locale/en`` holds the English
catalogue, committed both as ``django.po`` and compiled ``django.mo`` (``make messages``
regenerates them). These tests check that the catalogue is complete and compiled, that every
translatable string of the code and templates is in it, and that visitors get the language they
asked for: English by cookie or browser, Simplified Chinese by default and for browsers that
prefer Traditional Chinese.
"""

from __future__ import annotations

import gettext
import re
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import models
from django.test import Client, override_settings
from django.utils import translation
from test_public_helpers import accepted, file, text

import tousu
from tousu.accounts.models import OneTimeCode, Role, User
from tousu.companies.models import CompanyInvitation, InvitationState, MemberRole, Sector
from tousu.complaints.models import (
    Demand,
    EventKind,
    EvidenceKind,
    HideReason,
    ProblemType,
    RejectionReason,
    Visibility,
)
from tousu.complaints.states import Action, Actor, Status

PACKAGE_DIR = Path(tousu.__file__).resolve().parent
LOCALE_DIR = PACKAGE_DIR / "locale"
PO = LOCALE_DIR / "en" / "LC_MESSAGES" / "django.po"
MO = PO.with_suffix(".mo")
HAN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
PLACEHOLDER = re.compile(r"%(?:\([^)]+\))?[-#0 +]*\d*(?:\.\d+)?[sdifr]|%%")


# --- a small PO reader (no runtime dependency; polib is not needed for this much) ---------------


@dataclass
class Entry:
    msgid: str = ""
    msgctxt: str | None = None
    msgid_plural: str | None = None
    msgstr: dict[int, str] = field(default_factory=dict)
    flags: set[str] = field(default_factory=set)
    obsolete: bool = False

    @property
    def key(self) -> tuple[str | None, str]:
        return (self.msgctxt, self.msgid)


def _unquote(literal: str) -> str:
    escapes = {"n": "\n", "t": "\t", "r": "\r", '"': '"', "\\": "\\"}
    return re.sub(r"\\(.)", lambda m: escapes.get(m.group(1), m.group(1)), literal.strip()[1:-1])


def parse_po(path: Path) -> list[Entry]:
    """The entries of a PO file, the header (msgid "") first."""
    entries: list[Entry] = []
    entry: Entry | None = None
    target: tuple[str, int] | None = None
    for raw in [*path.read_text(encoding="utf-8").splitlines(), ""]:
        line = raw.strip()
        if not line:
            if entry is not None:
                entries.append(entry)
            entry, target = None, None
            continue
        if entry is None:
            entry = Entry()
        if line.startswith("#~"):
            entry.obsolete = True
            continue
        if line.startswith("#,"):
            entry.flags |= {flag.strip() for flag in line[2:].split(",")}
            continue
        if line.startswith("#"):
            continue
        match = re.match(r'^(msgctxt|msgid_plural|msgid|msgstr(?:\[(\d+)\])?)\s+(".*")$', line)
        if match:
            keyword, index, literal = match.groups()
            target = (keyword.split("[")[0], int(index or 0))
            value = _unquote(literal)
        else:
            assert line.startswith('"') and target is not None, f"{path}: cannot read {raw!r}"
            value = _unquote(line)
        name, index_ = target
        if name == "msgstr":
            entry.msgstr[index_] = entry.msgstr.get(index_, "") + value
        elif name == "msgid":
            entry.msgid += value
        elif name == "msgid_plural":
            entry.msgid_plural = (entry.msgid_plural or "") + value
        else:
            entry.msgctxt = (entry.msgctxt or "") + value
    return entries


def messages(path: Path) -> list[Entry]:
    """The translatable entries: no header, no obsolete ones."""
    return [e for e in parse_po(path) if e.msgid and not e.obsolete]


# --- the catalogue --------------------------------------------------------------------------


def test_catalogue_is_fully_translated() -> None:
    entries = parse_po(PO)
    header = entries[0]
    assert header.msgid == "" and "fuzzy" not in header.flags
    assert "Language: en\n" in header.msgstr[0]
    assert "Plural-Forms: nplurals=2; plural=(n != 1);" in header.msgstr[0]

    found = messages(PO)
    assert len(found) > 500  # every page, form and label of the site
    problems = []
    for e in found:
        if "fuzzy" in e.flags:
            problems.append(f"fuzzy: {e.msgid!r}")
        forms = [0, 1] if e.msgid_plural is not None else [0]
        if sorted(e.msgstr) != forms or not all(e.msgstr[i].strip() for i in forms):
            problems.append(f"untranslated: {e.msgid!r}")
            continue
        for i in forms:
            source = e.msgid if i == 0 or e.msgid_plural is None else e.msgid_plural
            # every placeholder of the source survives in the translation
            if sorted(PLACEHOLDER.findall(source)) != sorted(PLACEHOLDER.findall(e.msgstr[i])):
                problems.append(f"placeholders differ: {e.msgid!r} -> {e.msgstr[i]!r}")
    assert not problems, "\n".join(problems)


def test_the_only_chinese_in_the_translations_is_a_search_example() -> None:
    """Chinese in an English msgstr is a forgotten translation, except the example of a
    search in Simplified or Traditional characters."""
    left = [
        e.msgid
        for e in messages(PO)
        for s in e.msgstr.values()
        if HAN.search(s.replace("快乐外卖", "").replace("快樂外賣", ""))
    ]
    assert left == []


def test_compiled_catalogue_matches_the_po_file() -> None:
    """The committed .mo is compiled from the committed .po: run ``make messages`` after
    editing translations."""
    with MO.open("rb") as fp:
        compiled = gettext.GNUTranslations(fp)
    stale = []
    for e in messages(PO):
        if e.msgid_plural is not None:
            got = [compiled.ngettext(e.msgid, e.msgid_plural, n) for n in (1, 2)]
            want = [e.msgstr[0], e.msgstr[1]]
        elif e.msgctxt is not None:
            got, want = [compiled.pgettext(e.msgctxt, e.msgid)], [e.msgstr[0]]
        else:
            got, want = [compiled.gettext(e.msgid)], [e.msgstr[0]]
        if got != want:
            stale.append(e.msgid)
    assert not stale, f"django.mo is out of date, run `make messages`: {stale[:5]}"


@pytest.mark.skipif(shutil.which("msgfmt") is None, reason="GNU gettext (msgfmt) not installed")
def test_msgfmt_accepts_the_catalogue() -> None:
    result = subprocess.run(  # noqa: S603
        ["msgfmt", "--check", "--statistics", "-o", "/dev/null", str(PO)],  # noqa: S607
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "untranslated" not in result.stderr and "fuzzy" not in result.stderr, result.stderr


@pytest.mark.skipif(
    any(shutil.which(tool) is None for tool in ("xgettext", "msguniq", "msgattrib")),
    reason="GNU gettext (xgettext) not installed",
)
def test_every_source_string_is_in_the_catalogue(tmp_path: Path, monkeypatch: Any) -> None:
    """Extract the strings of a copy of the code and templates like ``make messages`` does and
    compare: a new or changed ``{% translate %}`` or ``gettext`` string fails here until the
    catalogue is regenerated and translated."""
    copy = tmp_path / "tousu"
    shutil.copytree(
        PACKAGE_DIR,
        copy,
        ignore=shutil.ignore_patterns("__pycache__", "locale", "static", "*.csv", "*.json"),
    )
    monkeypatch.chdir(copy)
    with override_settings(LOCALE_PATHS=[copy / "locale"]):
        call_command("makemessages", locale=["en"], verbosity=0)
    extracted = {e.key: e for e in messages(copy / "locale" / "en" / "LC_MESSAGES" / "django.po")}
    committed = {e.key: e for e in messages(PO)}
    assert len(extracted) > 500
    missing = sorted(msgid for ctx, msgid in extracted.keys() - committed.keys())
    assert not missing, "not in the catalogue, run `make messages` and translate:\n" + "\n".join(
        missing
    )
    plural_changed = [
        key[1] for key, e in extracted.items() if e.msgid_plural != committed[key].msgid_plural
    ]
    assert not plural_changed, f"plural forms changed, run `make messages`: {plural_changed}"


# --- labels of choices -----------------------------------------------------------------------

CHOICES: list[type[models.Choices]] = [
    Role,
    OneTimeCode.Channel,
    Sector,
    MemberRole,
    InvitationState,
    ProblemType,
    Demand,
    Visibility,
    RejectionReason,
    HideReason,
    EventKind,
    EvidenceKind,
    Status,
    Actor,
    Action,
]


@pytest.mark.parametrize("choices", CHOICES, ids=lambda c: c.__qualname__)
def test_choice_labels_are_translated(choices: type[models.Choices]) -> None:
    with translation.override("en"):
        english = [str(label) for label in choices.labels]
    with translation.override("zh-hans"):
        chinese = [str(label) for label in choices.labels]
    assert not [label for label in english if HAN.search(label)]
    assert english != chinese
    assert any(HAN.search(label) for label in chinese)


def test_invitation_target_labels_are_translated() -> None:
    target_kind = CompanyInvitation._meta.get_field("target_kind")
    with translation.override("en"):
        assert [str(label) for _, label in target_kind.choices or []] == [
            "Mobile number",
            "Email address",
        ]


def test_status_names() -> None:
    with translation.override("en"):
        assert {s.value: str(s.label) for s in Status} == {
            "pending_review": "Under review",
            "rejected": "Rejected",
            "unassigned": "Awaiting assignment",
            "processing": "Processing",
            "replied": "Replied",
            "completion_requested": "Awaiting confirmation",
            "completed": "Completed",
            "auto_completed": "Completed (unconfirmed)",
            "mediation": "In mediation",
            "closed": "Closed",
            "withdrawn": "Withdrawn",
        }


def test_plural_forms() -> None:
    with translation.override("en"):
        assert translation.ngettext("共 %(n)s 条投诉", "共 %(n)s 条投诉", 1) % {"n": 1} == (
            "1 complaint"
        )
        assert translation.ngettext("共 %(n)s 条投诉", "共 %(n)s 条投诉", 3) % {"n": 3} == (
            "3 complaints"
        )


# --- the site in either language -------------------------------------------------------------


def english() -> Client:
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def main_nav(html: str) -> str:
    return html[html.index('<nav class="main-nav"') : html.index("</nav>")]


@pytest.mark.django_db
def test_default_language_is_simplified_chinese() -> None:
    resp = Client().get("/")
    html = text(resp)
    assert resp.status_code == 200
    assert '<html lang="zh-Hans">' in html
    assert resp["Content-Language"] == "zh-hans"
    nav = main_nav(html)
    for label in ("投诉", "企业", "我要投诉", "登录", "注册"):
        assert f">{label}<" in nav
    # the switch offers English, in English
    assert '<button name="language" value="en" lang="en">English</button>' in html


@pytest.mark.django_db
def test_language_cookie_gives_english() -> None:
    resp = english().get("/")
    html = text(resp)
    assert '<html lang="en">' in html
    assert resp["Content-Language"] == "en"
    nav = main_nav(html)
    for label in ("Complaints", "Companies", "File a complaint", "Log in", "Sign up"):
        assert f">{label}<" in nav
    assert not HAN.search(nav)
    title = html[html.index("<title>") : html.index("</title>")]
    assert title.endswith(" · Tousu") and not HAN.search(title)
    assert 'class="brand" href="/">Consumer Complaints<small>Tousu</small>' in html
    assert '<button name="language" value="zh-hans" lang="zh-Hans">中文</button>' in html


@pytest.mark.django_db
def test_english_navigation_of_a_logged_in_consumer(consumer: User) -> None:
    client = english()
    client.force_login(consumer)
    nav = main_nav(text(client.get("/")))
    for label in ("My complaints", "Notifications", "Log out"):
        assert label in nav
    assert not HAN.search(nav.replace(consumer.display_name, ""))


@pytest.mark.django_db
def test_the_language_switch_form_changes_language() -> None:
    client = Client()
    html = text(client.get("/companies/"))
    assert 'action="/i18n/setlang/"' in html and '<input name="next" type="hidden"' in html

    resp = client.post("/i18n/setlang/", {"language": "en", "next": "/companies/"})
    assert resp.status_code == 302 and resp["Location"] == "/companies/"
    assert resp.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"
    html = text(client.get("/companies/"))
    assert '<html lang="en">' in html and "Company directory" in html

    resp = client.post("/i18n/setlang/", {"language": "zh-hans", "next": "/companies/"})
    assert resp.cookies[settings.LANGUAGE_COOKIE_NAME].value == "zh-hans"
    html = text(client.get("/companies/"))
    assert '<html lang="zh-Hans">' in html and "企业库" in html


@pytest.mark.django_db
def test_the_switch_refuses_an_unknown_language() -> None:
    client = Client()
    client.post("/i18n/setlang/", {"language": "fr", "next": "/"})
    assert '<html lang="zh-Hans">' in text(client.get("/"))


@pytest.mark.django_db
def test_complaint_page_in_english(
    consumer: User, company: Any, merchant: User, moderator: User
) -> None:
    complaint = accepted(file(consumer, company), moderator)
    url = f"/complaints/{complaint.public_number}/"

    chinese = Client().get(url)
    html = text(chinese)
    assert 'data-status="processing"' in html and "处理中" in html

    resp = english().get(url)
    html = text(resp)
    assert resp.status_code == 200
    assert 'data-status="processing"' in html and ">Processing<" in html
    assert "处理中" not in html
    for label in ("Refund refused or delayed", "Not shipped or delivered as agreed", "Apology"):
        assert label in html
    assert "Approved and published" in html  # the timeline
    # the title and details are the consumer's own words, never translated
    assert complaint.title in html

    # an English visitor never gets a 304 for the Chinese copy in their cache, nor the reverse
    etag = chinese["ETag"]
    assert resp["ETag"] != etag
    assert english().get(url, HTTP_IF_NONE_MATCH=etag).status_code == 200
    assert Client().get(url, HTTP_IF_NONE_MATCH=etag).status_code == 304


@pytest.mark.django_db
def test_company_page_in_english(company: Any) -> None:
    html = text(english().get(f"/companies/{company.pk}/"))
    assert "Local services" in html and "生活服务" not in html
    assert "Complaint statistics" in html


@pytest.mark.django_db
def test_my_complaint_page_in_english(consumer: User, company: Any) -> None:
    complaint = file(consumer, company)
    client = english()
    client.force_login(consumer)
    html = text(client.get(f"/my/complaints/{complaint.public_number}/"))
    assert ">Under review<" in html and "审核中" not in html


@pytest.mark.django_db
@pytest.mark.parametrize(
    "accept",
    ["zh-Hant", "zh-TW", "zh-HK", "zh-Hant-TW", "zh-TW,zh;q=0.9,en;q=0.8", "zh-CN", "zh"],
)
def test_chinese_browsers_get_simplified_chinese(accept: str) -> None:
    resp = Client().get("/", HTTP_ACCEPT_LANGUAGE=accept)
    assert resp["Content-Language"] == "zh-hans"
    html = text(resp)
    assert '<html lang="zh-Hans">' in html and ">我要投诉<" in html


@pytest.mark.django_db
@pytest.mark.parametrize("accept", ["en", "en-US,en;q=0.9", "en-GB,zh;q=0.5"])
def test_english_browsers_get_english(accept: str) -> None:
    resp = Client().get("/", HTTP_ACCEPT_LANGUAGE=accept)
    assert resp["Content-Language"] == "en"
    assert ">File a complaint<" in text(resp)


@pytest.mark.django_db
def test_the_cookie_beats_the_browser() -> None:
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "zh-hans"
    resp = client.get("/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert resp["Content-Language"] == "zh-hans"
