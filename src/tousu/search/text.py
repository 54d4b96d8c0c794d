"""The one text pipeline of search: the same function cuts documents and queries.

``normalize_text`` (NFKC, so full-width → half-width; Traditional → Simplified; lower-case)
then rjieba in search mode (long words also yield their parts: 退货退款 → 退货 退款 退货退款)
with a user dictionary of brands, aliases, the parts of company names the stock dictionary does
not know (ADR 0031) and complaint vocabulary. Tokens are
letters and digits only: punctuation and spaces never become tokens, so SQLite FTS5
(``unicode61``) and PostgreSQL (``to_tsvector('simple', …)``) see the same token stream.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Iterable

import rjieba
from django.db import OperationalError, ProgrammingError

from tousu.common.text import normalize_text

# words every complaint platform needs whole (the stock dictionary splits most of them)
VOCABULARY = (
    "退款",
    "退货",
    "退货退款",
    "仅退款",
    "退款难",
    "退费",
    "退费难",
    "霸王条款",
    "虚假宣传",
    "自动续费",
    "自动扣费",
    "乱收费",
    "价格欺诈",
    "大数据杀熟",
    "暴力催收",
    "套路贷",
    "砍头息",
    "高利贷",
    "网贷",
    "分期",
    "逾期",
    "征信",
    "强制搭售",
    "捆绑销售",
    "假货",
    "以次充好",
    "质量问题",
    "售后",
    "售后服务",
    "不发货",
    "未发货",
    "拒绝退款",
    "拒不退款",
    "客服",
    "人工客服",
    "跑路",
    "预付卡",
    "会员费",
    "保证金",
    "押金",
    "退押金",
    "违约金",
    "延迟发货",
    "虚假发货",
    "刹车失灵",
    "自燃",
    "断轴",
    "异响",
    "漏油",
    "烧机油",
    "起火",
    "爆炸",
    "个人信息",
    "泄露",
    "骚扰电话",
    "封号",
    "冻结",
    "盗刷",
    "诈骗",
    "杀猪盘",
    "电信诈骗",
    "客服电话",
    "无法退款",
    "扣款",
    "乱扣费",
    "退订",
    "七天无理由",
    "三包",
    "以旧换新",
    "价保",
    "保价",
)

_WORD = re.compile(r"[^\W_]+")
# a dictionary is at most this old in a process that did not see the change itself
DICTIONARY_MAX_AGE_SECONDS = 600.0
_USER_WORD_FREQ = 200_000


class _Segmenter:
    """One rjieba instance per process. Words are only ever added: a name saved in this
    process is added at once (``dictionary_add``); names saved by other processes arrive with
    the full refresh at most ``DICTIONARY_MAX_AGE_SECONDS`` later. A word whose company is gone
    stays until the process restarts (it only keeps that word whole)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.jieba: rjieba.Jieba | None = None
        self.words: set[str] = set()
        # None: never loaded (not 0.0: the monotonic clock starts near 0 at boot)
        self.refreshed_at: float | None = None

    def _stale(self) -> bool:
        at = self.refreshed_at
        return at is None or time.monotonic() - at >= DICTIONARY_MAX_AGE_SECONDS

    def get(self) -> rjieba.Jieba:
        jieba = self.jieba
        if jieba is not None and not self._stale():
            return jieba
        with self.lock:
            if self.jieba is None:
                self.jieba = rjieba.Jieba()
            if self._stale():
                self._add(self.jieba, user_words())
                self.refreshed_at = time.monotonic()
            return self.jieba

    def _add(self, jieba: rjieba.Jieba, words: Iterable[str]) -> None:
        for word in words:
            if word not in self.words:
                jieba.add_word(word, _USER_WORD_FREQ, None)
                self.words.add(word)

    def add(self, words: Iterable[str]) -> None:
        with self.lock:
            if self.jieba is not None:
                self._add(self.jieba, words)

    def reset(self) -> None:
        with self.lock:
            self.jieba = None
            self.words = set()
            self.refreshed_at = None


_segmenter = _Segmenter()


_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]")


def _dictionary_word(name: str) -> str | None:
    """A name as a dictionary word: normalised, one run of letters/digits, 2–20 characters,
    with at least one Chinese character. A run of Latin letters and digits is one token
    anyway; as a dictionary word it would split longer runs that contain it (a word ``15``
    or ``iphone`` cuts ``iphone15`` into ``iphone 15``, in the texts of every company)."""
    text = normalize_text(name)
    if not 2 <= len(text) <= 20 or not _WORD.fullmatch(text) or not _HAN.search(text):
        return None
    return text


def company_name_words(name: str) -> list[str]:
    """What a company's registered name adds to the dictionary: only the parts the stock
    dictionary does not know (ADR 0031). 北京华瑞科技有限公司 is 北京 华瑞 科技 有限公司 in the
    stock dictionary, words that are cut the same way wherever the name stands: it adds nothing.
    锐族科技有限公司 is 锐 族 科技 有限公司: the run of single characters 锐族 is added, so the
    name is 锐族 科技 有限公司 in every text. A single unknown character joins the word before
    it (拼拼 乐 → 拼拼乐), or after it when it comes first.

    Whole registered names were the dictionary's bulk (200,000 names of about ten characters
    at 30M complaints: 170 MB in every process) while complaints mostly name brands, which
    stay whole (``user_words``)."""
    text = _dictionary_word(name)
    if text is None:
        return []
    pieces = rjieba.cut(text, False)  # the stock dictionary of the module, never ours
    known = [len(p) > 1 and rjieba.has_word(p) for p in pieces]
    words: list[str] = []
    i = 0
    while i < len(pieces):
        if known[i]:
            i += 1
            continue
        j = i
        while j < len(pieces) and not known[j]:
            j += 1
        run = "".join(pieces[i:j])
        if len(run) == 1:  # one character is no word: take a known neighbour along
            run = pieces[i - 1] + run if i > 0 else run + (pieces[j] if j < len(pieces) else "")
        if len(run) > 1 and _HAN.search(run):  # (see ``_dictionary_word``)
            words.append(run)
        i = j
    return words


def user_words() -> list[str]:
    """Complaint vocabulary, the brands and aliases of the directory whole, and what the
    companies' registered names add (``company_name_words``)."""
    words = {w for w in (_dictionary_word(v) for v in VOCABULARY) if w}
    try:
        from tousu.companies.models import Brand, Company, CompanyAlias

        for name in Company.objects.values_list("name", flat=True).iterator(chunk_size=5000):
            words.update(company_name_words(name))
        for queryset in (
            CompanyAlias.objects.values_list("alias", flat=True),
            Brand.objects.values_list("name", flat=True),
        ):
            for name in queryset.iterator(chunk_size=5000):
                word = _dictionary_word(name)
                if word:
                    words.add(word)
    except (OperationalError, ProgrammingError):  # tables not migrated yet: vocabulary only
        pass
    return sorted(words)


def dictionary_add(names: Iterable[str]) -> None:
    """Aliases or brands were saved: cut them whole from now on."""
    _segmenter.add(w for w in map(_dictionary_word, names) if w)


def dictionary_add_companies(names: Iterable[str]) -> None:
    """Companies were saved: the parts of their names the stock dictionary lacks join ours."""
    _segmenter.add(w for name in names for w in company_name_words(name))


def dictionary_reload() -> None:
    """Start over from the stock dictionary (``tousu search-rebuild``)."""
    _segmenter.reset()


def tokens(text: str) -> list[str]:
    """Normalise and cut ``text`` in search mode; letters/digits only, in text order."""
    norm = normalize_text(text)
    if not norm:
        return []
    out: list[str] = []
    for piece in _segmenter.get().cut_for_search(norm):
        # str.isalnum is exactly what [^\W_] matches, letter by letter: most pieces are one
        # whole word or one punctuation mark, and only mixed pieces need the expression
        if piece.isalnum():
            out.append(piece)
        elif len(piece) > 1:
            out += _WORD.findall(piece)
    return out


def segment(text: str) -> str:
    """``tokens`` joined by spaces: what the index stores."""
    return " ".join(tokens(text))
