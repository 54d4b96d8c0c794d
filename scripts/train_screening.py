"""Train the screening, sector and problem-type models on the real data in ../shared/data.

    .venv/bin/pip install -e '.[ml]'      # scikit-learn: training only, never a runtime dependency
    .venv/bin/python scripts/train_screening.py [--data ../shared/data] [--out PATH]

Writes ``src/tousu/moderation/data/screening.json.gz`` (gzipped JSON: quantised weight matrices
over hashed features, see ``tousu.moderation.features``) that the runtime loads with numpy, and
prints precision, recall, F1 and the confusion matrix on a held-out split (recorded in
docs/moderation.md). Labelling rules are in docs/moderation.md, "Training data".
"""

from __future__ import annotations

import argparse
import base64
import csv
import gzip
import json
import random
import re
import sys
from collections import Counter, defaultdict
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from tousu.moderation.features import bucket, feature_strings, normalise  # noqa: E402

SEED = 20260529
SCREEN_DIM = 1 << 16
SMALL_DIM = 1 << 15

# --- labelling ------------------------------------------------------------------------------

# TipDM 商贸旅游 messages read one by one (48 in the labelled sample): these ten are a consumer
# against a business over a purchase or a service (tour contract fraud, forced shopping by a
# tour guide, bad petrol, gas company fees, a scenic area ignoring visitors' complaints, health
# gadgets sold to old people, a pyramid-style sales group's false advertising, broadband
# monopoly by a property manager, poor uniforms sold by a school). The others are policy
# suggestions, licensing questions, trader-versus-trader or criminal matters.
TIPDM_CONSUMER_IDS = {
    "1018",
    "160141",
    "78300",
    "30786",
    "167296",
    "153817",
    "153946",
    "170840",
    "61851",
    "72008",
}
# Unlabelled TipDM messages that mention these are left out of training altogether (neither
# accepted nor rejected): they may well be consumption disputes and we did not read them.
CONSUMERISH = re.compile(
    "退款|退货|退费|商家|网购|快递|客服|发货|假货|消费者|淘宝|京东|拼多多|美团|外卖|4s店|售后|"
    "会员费|套餐|话费|流量|充值|商品|购买|买了|维修|质量问题|欺诈|霸王条款|预付卡|健身|培训机构|"
    "退钱|押金|门店|超市|餐厅|饭店|酒店|旅行社|航空|机票|保险公司|银行|贷款|信用卡|开发商|交房|购房"
)

COMPANY_SECTORS = [
    ("拼多多|京东|阿里|淘宝|天猫|闲鱼|转转|抖音电商|唯品会", "ecommerce"),
    ("蚂蚁|理财|分期|即有|捷信|银行|你我贷|融360|随米花|ppmoney|信\\*飞|消费金融", "finance"),
    ("教育|培训", "education"),
    ("航空|飞猪|滴滴|出行|携程", "travel"),
    ("公寓|链家", "real_estate"),
    ("帮宝适", "household"),
    ("贝思客|蛋糕", "food"),
    ("饿了么|美团", "local_services"),
    ("圆通|中通|顺丰|韵达|申通", "logistics"),
    ("汽车|租车", "auto"),
    ("酷喵|手游|游戏", "games"),
]
SHOPPING_SECTORS = {
    "平板": "electronics",
    "计算机": "electronics",
    "手机": "electronics",
    "热水器": "electronics",
    "水果": "food",
    "蒙牛": "food",
    "洗发水": "fashion_beauty",
    "衣服": "fashion_beauty",
    "酒店": "travel",
}
PROBLEM_TAGS = [
    ("虚假宣传|虚假|诱导|误导|货不对板|钓鱼", "false_advertising"),
    ("退款|退货|退票|退费|不退|回款|提现|本金", "refund_difficult"),
    ("质量|假货|假冒|劣质|虫|破损|漏|过敏|真假|码数", "quality"),
    ("发货|送达|错发|时效", "delivery"),
    ("客服|售后|服务|响应|三包|不解决|提皮球", "after_sales"),
    ("霸王条款", "unfair_terms"),
    ("自动续费|续费|强制开通|会员", "auto_renewal"),
    ("乱收费|费用|收费|扣款|利息|砍头息|高利贷|保价|手续费", "price"),
    ("涉骗|欺诈|欺骗|诈骗|刷单|骗", "fraud"),
    ("催收|骚扰", "harassment"),
    ("盗取用户信息|泄露|征信", "privacy"),
    ("账号", "account"),
]


def _clean(text: str) -> str:
    return re.sub(r"\s+", " ", (text or "").replace("_x000D_", " ")).strip()


def _read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as fh:
        return list(csv.DictReader(fh))


def _sector_of(company: str) -> str | None:
    low = company.lower()
    for pattern, sector in COMPANY_SECTORS:
        if re.search(pattern, low):
            return sector
    return None


def _problems_of(tags: str) -> list[str]:
    return sorted({pt for pattern, pt in PROBLEM_TAGS if re.search(pattern, tags)})


class Example:
    __slots__ = ("label", "problems", "sector", "source", "text")

    def __init__(
        self,
        text: str,
        label: str,
        source: str,
        sector: str | None = None,
        problems: list[str] | None = None,
    ) -> None:
        self.text = text
        self.label = label
        self.source = source
        self.sector = sector
        self.problems = problems


def load_real(data: Path, rng: random.Random) -> list[Example]:
    out: list[Example] = []
    # 黑猫投诉: consumption disputes
    for row in _read_csv(data / "heimao-chitian-spider/heimao_chitian_merged_dedup.csv"):
        tags = row["投诉问题"]
        out.append(
            Example(
                _clean(row["投诉标题"] + "。" + row["投诉详情"]),
                "accept",
                "heimao",
                _sector_of(row["投诉对象"]),
                _problems_of(tags),
            )
        )
    with (data / "heimao-bageyalu160/heimao_data_2025-05-13.json").open(encoding="utf-8") as fh:
        for rec in json.load(fh)["complaints"]:
            out.append(
                Example(
                    _clean(rec["title"] + "。" + rec["content"]),
                    "accept",
                    "heimao",
                    _sector_of(rec["company"]),
                    _problems_of(rec.get("issue", "")),
                )
            )
    for row in _read_csv(data / "heimao-wpandios-examples/example_data_structured.csv"):
        out.append(Example(_clean(row["summary"]), "accept", "heimao", "finance", None))
    # 车质网: consumption disputes about cars (defects → quality)
    for name in ("car_complain_L1_2020-06-05_08.csv", "car_complain_L2_2020-06-11_15.csv"):
        for row in _read_csv(data / "car-complaints-12365auto" / name):
            text = _clean(f"{row['brand']}{row['car_model']} {row['desc']}")
            out.append(Example(text, "accept", "12365auto", "auto", ["quality"]))
    # negative product / takeaway / hotel reviews: a consumer unhappy with a purchase from a named
    # business; used as extra consumption-dispute text so the accept class covers more trades
    # than diapers, online shops and cars (reported separately as source "reviews")
    reviews = data / "zh-reviews-chinesenlpcorpus"
    shop = [r for r in _read_csv(reviews / "online_shopping_10_cats.csv") if r["label"] == "0"]
    rng.shuffle(shop)
    per_cat: Counter[str] = Counter()
    for r in shop:
        text = _clean(r["review"])
        if len(text) < 15 or r["cat"] not in SHOPPING_SECTORS or per_cat[r["cat"]] >= 150:
            continue
        per_cat[r["cat"]] += 1
        out.append(Example(text, "accept", "reviews", SHOPPING_SECTORS[r["cat"]], None))
    for fname, sector, cap in (
        ("waimai_10k.csv", "local_services", 500),
        ("ChnSentiCorp_htl_all.csv", "travel", 300),
    ):
        rows = [r for r in _read_csv(reviews / fname) if r["label"] == "0"]
        rng.shuffle(rows)
        kept = [r for r in rows if len(_clean(r["review"])) >= 15][:cap]
        out.extend(Example(_clean(r["review"]), "accept", "reviews", sector, None) for r in kept)
    # TipDM citizen messages to government: not consumption disputes, except the hand-read ten
    tip = data / "gov-messages-tipdm2020c"
    seen: set[str] = set()
    for row in _read_csv(tip / "messages_labeled_sample.csv"):
        seen.add(row["留言编号"])
        text = _clean(row["留言主题"] + "。" + row["留言详情"])
        label = "accept" if row["留言编号"] in TIPDM_CONSUMER_IDS else "not_consumer_dispute"
        out.append(Example(text, label, "tipdm-labelled"))
    unlabelled: list[Example] = []
    skipped = 0
    for name in (
        "messages_with_votes.csv",
        "messages_with_official_replies.csv",
        "messages_unlabeled_test.csv",
    ):
        for row in _read_csv(tip / name):
            if row["留言编号"] in seen:
                continue
            seen.add(row["留言编号"])
            text = _clean(row["留言主题"] + "。" + row["留言详情"])
            if CONSUMERISH.search(text.lower()):
                skipped += 1
                continue
            unlabelled.append(Example(text[:600], "not_consumer_dispute", "tipdm"))
    rng.shuffle(unlabelled)
    out.extend(unlabelled[:3000])
    print(
        f"TipDM unlabelled: {len(unlabelled)} kept as not-consumer (3000 used), "
        f"{skipped} left out by the consumer-keyword filter"
    )
    return out


# --- synthetic spam, ads and insults --------------------------------------------------------

_COMPANIES = [
    "拼多多",
    "京东",
    "淘宝",
    "美团",
    "饿了么",
    "某宝",
    "这家公司",
    "携程",
    "滴滴",
    "抖音",
    "中国移动",
    "顺丰",
    "链家",
    "支付宝",
    "花呗",
    "苏宁",
    "唯品会",
    "小米",
    "华为客服",
]
_CONTACT = [
    "加微信",
    "加V",
    "加vx",
    "威信",
    "薇信",
    "加QQ",
    "扣扣",
    "加Q",
    "私信我",
    "联系我",
    "TG",
    "电报",
    "加群",
    "扫码进群",
    "添加好友",
]


def _contact(rng: random.Random) -> str:
    ident = rng.choice(
        [
            f"{rng.randint(100000, 99999999)}",
            "".join(rng.choice("abcdefghjkmnpqrstuvwxyz") for _ in range(rng.randint(4, 8)))
            + str(rng.randint(10, 9999)),
            f"1{rng.randint(3, 9)}{rng.randint(100000000, 999999999)}",
        ]
    )
    sep = rng.choice(["", "：", ":", " ", "➕", "+"])
    return f"{rng.choice(_CONTACT)}{sep}{ident}"


def synth_spam(rng: random.Random, n: int) -> list[str]:
    gambling = [
        "澳门{casino}娱乐城上线啦，注册就送{m}元彩金，首充翻倍，日赚{m2}不是梦，{c}",
        "{casino}真人百家乐、体育投注、电子游艺，信誉平台秒提款，{c}，网址 {url}",
        "时时彩北京赛车计划群，稳赚不赔，跟单回血，{c}",
        "想回本的来，专业导师带你玩{game}，一天回本{m2}，{c}",
        "{casino}官方直营，新用户充值{m}送{m2}，24小时在线出款，{url}",
    ]
    adult = [
        "同城交友约会，{city}美女上门服务，{c}",
        "成人视频免费看，福利资源每日更新，打开{url}，{c}",
        "寂寞了吗？附近的小姐姐等你来撩，{c}，网址{url}",
        "高清无码资源群，永久会员只要{m}元，{c}",
    ]
    refund_agent = [
        "专业代理退费，网贷逾期、砍头息、会员费、保险都能退，成功后再收费，{c}",
        "{company}的钱被骗了？我们团队专业协助退款维权，追回率{p}%，{c}",
        "代理退保，保险全额退，不成功不收费，已帮{n}人退回，{c}",
        "网贷协商还款、停息挂账、延期分期，专业律师团队，{c}",
        "被{company}坑了的朋友看过来，代理投诉退费，三天到账，{c}",
        "黑猫投诉没用的，找我们代理退费，{c}，退回来再付佣金{p}%",
        "信用卡停息挂账、个性化分期，专业协商，{c}",
    ]
    contact_me = [
        "兼职刷单，日结{m}元，在家就能做，{c}",
        "招聘宝妈学生党，手机打字日赚{m2}，{c}",
        "低价代购{brand}正品，工厂直销一件代发，{c}",
        "有需要的{c}，价格美丽",
        "出售各类账号、实名认证、解封，{c}",
        "贷款秒批，无视黑白户，额度{m2}，{c}",
        "专业刷好评、涨粉、直播带货，{c}",
        "高价回收{brand}手机、购物卡、话费卡，{c}",
        "{company}优惠券内部渠道，全场{p}折，{c}",
        "投资理财，数字货币稳赚，跟着老师操作收益{p}%，{c}",
    ]
    fills = {
        "casino": ["葡京", "金沙", "威尼斯人", "太阳城", "皇冠", "银河", "新葡京", "永利"],
        "game": ["百家乐", "时时彩", "快三", "六合彩", "牛牛"],
        "city": ["上海", "北京", "深圳", "广州", "成都", "杭州", "本地"],
        "brand": ["苹果", "华为", "耐克", "LV", "茅台", "香奈儿"],
    }
    families = gambling + adult + refund_agent + contact_me
    out = []
    for _ in range(n):
        tpl = rng.choice(families)
        text = tpl.format(
            casino=rng.choice(fills["casino"]),
            game=rng.choice(fills["game"]),
            city=rng.choice(fills["city"]),
            brand=rng.choice(fills["brand"]),
            company=rng.choice(_COMPANIES),
            m=rng.choice([8, 18, 38, 88, 188, 200, 500]),
            m2=rng.choice(["300", "500", "1000", "3000", "5000", "2万"]),
            p=rng.randint(3, 95),
            n=rng.randint(100, 9000),
            c=_contact(rng),
            url=rng.choice(["www.", "http://", "https://", ""])
            + "".join(rng.choice("abcdefgh0123456789") for _ in range(6))
            + rng.choice([".com", ".cc", ".vip", ".net", ".top"]),
        )
        out.append(_vary(text, rng))
    return out


def synth_insults(rng: random.Random, n: int) -> list[str]:
    parts = [
        "垃圾",
        "骗子",
        "傻逼",
        "狗东西",
        "黑心",
        "吃屎",
        "去死",
        "全家死光",
        "不得好死",
        "人渣",
        "畜生",
        "恶心",
        "滚",
        "烂透了",
        "脑残",
        "贱",
        "王八蛋",
        "混蛋",
        "草泥马",
        "强烈谴责",
    ]
    frames = [
        "{co}就是{a}！{a}！{a}！",
        "{co}{a}公司，{a}，大家千万别用，{a}",
        "我就想说{co}都是一群{a}，{a}",
        "{a}{co}，{a}，{a}，赶紧倒闭吧",
        "{co}的客服全是{a}，{a}！！！",
        "垃圾{co}，{a}，{a}，早晚倒闭",
        "{co}老板{a}，员工{a}，{a}",
        "{a}！{co}{a}！我诅咒你们{a}",
    ]
    out = []
    for _ in range(n):
        text = rng.choice(frames)
        while "{a}" in text:
            text = text.replace("{a}", rng.choice(parts), 1)
        out.append(_vary(text.replace("{co}", rng.choice(_COMPANIES)), rng))
    return out


_T = str.maketrans(
    "来发钱会员还话费银网优专业问题这个们说对时间开过实对",
    "來發錢會員還話費銀網優專業問題這個們說對時間開過實對",
)


def _vary(text: str, rng: random.Random) -> str:
    """Obfuscations seen on complaint sites: Traditional characters, full-width, spaces."""
    r = rng.random()
    if r < 0.15:
        text = text.translate(_T)
    elif r < 0.25:
        text = "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in text)
    elif r < 0.32:
        text = " ".join(text)
    return text


# --- training -------------------------------------------------------------------------------


def vectorise(texts: list[str], dim: int) -> tuple[object, list[list[str]]]:
    from scipy.sparse import csr_matrix

    rows, cols, vals, feats = [], [], [], []
    for i, t in enumerate(texts):
        fs = feature_strings(t)
        feats.append(fs)
        buckets = sorted({bucket(f, dim) for f in fs})
        v = 1.0 / max(len(buckets), 1) ** 0.5
        rows.extend([i] * len(buckets))
        cols.extend(buckets)
        vals.extend([v] * len(buckets))
    return csr_matrix((vals, (rows, cols)), shape=(len(texts), dim), dtype=np.float64), feats


def quantise(weights: np.ndarray, bits: int) -> dict[str, object]:
    top = float(np.abs(weights).max()) or 1.0
    qmax = (1 << (bits - 1)) - 1
    scale = top / qmax
    q = np.round(weights / scale).astype(np.int16 if bits == 16 else np.int8)
    return {
        "dtype": "int16" if bits == 16 else "int8",
        "shape": list(q.shape),
        "scale": scale,
        "data": base64.b64encode(q.astype(q.dtype.newbyteorder("<")).tobytes()).decode(),
    }


def split(examples: list[Example], rng: random.Random, frac: float = 0.2):
    by: dict[tuple[str, str], list[Example]] = defaultdict(list)
    for e in examples:
        by[(e.label, e.source)].append(e)
    train, test = [], []
    for group in by.values():
        rng.shuffle(group)
        k = max(1, round(len(group) * frac))
        test.extend(group[:k])
        train.extend(group[k:])
    return train, test


def report_multiclass(name: str, y_true: list[str], y_pred: list[str], classes: list[str]) -> dict:
    from sklearn.metrics import confusion_matrix, precision_recall_fscore_support

    p, r, f, s = precision_recall_fscore_support(y_true, y_pred, labels=classes, zero_division=0)
    cm = confusion_matrix(y_true, y_pred, labels=classes)
    print(f"\n== {name}: per class (held-out)")
    print(f"{'class':24} {'prec':>6} {'rec':>6} {'f1':>6} {'n':>5}")
    for c, a, b, d, n in zip(classes, p, r, f, s, strict=True):
        print(f"{c:24} {a:6.3f} {b:6.3f} {d:6.3f} {n:5d}")
    print("confusion (rows true, cols predicted):", classes)
    for c, row in zip(classes, cm, strict=True):
        print(f"{c:24}", " ".join(f"{v:5d}" for v in row))
    return {
        "classes": classes,
        "precision": [round(float(x), 4) for x in p],
        "recall": [round(float(x), 4) for x in r],
        "f1": [round(float(x), 4) for x in f],
        "support": [int(x) for x in s],
        "confusion": cm.tolist(),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    parser.add_argument(
        "--out", type=Path, default=ROOT / "src/tousu/moderation/data/screening.json.gz"
    )
    args = parser.parse_args()
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import precision_recall_fscore_support

    rng = random.Random(SEED)
    real = load_real(args.data, rng)
    synth = [Example(t, "spam", "synthetic-spam") for t in synth_spam(rng, 900)]
    synth += [Example(t, "insult", "synthetic-insult") for t in synth_insults(rng, 600)]
    examples = real + synth
    # exact duplicates (after normalisation) would leak between train and test
    uniq: dict[str, Example] = {}
    for e in examples:
        uniq.setdefault(normalise(e.text), e)
    examples = list(uniq.values())
    print("examples by source and label:")
    for (src, lab), n in sorted(Counter((e.source, e.label) for e in examples).items()):
        print(f"  {src:18} {lab:22} {n:6d}")
    train, test = split(examples, rng)
    metrics: dict[str, object] = {"n_train": len(train), "n_test": len(test)}

    # screening: accept / not_consumer_dispute / spam / insult
    classes = ["accept", "not_consumer_dispute", "spam", "insult"]
    xtr, _ = vectorise([e.text for e in train], SCREEN_DIM)
    xte, _ = vectorise([e.text for e in test], SCREEN_DIM)
    ytr = [e.label for e in train]
    clf = LogisticRegression(C=20.0, class_weight="balanced", max_iter=3000)
    clf.fit(xtr, ytr)
    order = [list(clf.classes_).index(c) for c in classes]
    w, b = clf.coef_[order], clf.intercept_[order]
    pred = [classes[i] for i in (xte @ w.T + b).argmax(axis=1)]
    truth = [e.label for e in test]
    metrics["screening"] = report_multiclass("screening", truth, pred, classes)
    # the decision that matters: reject (any reason) vs accept, "reject" as the positive class
    bt = ["reject" if t != "accept" else "accept" for t in truth]
    bp = ["reject" if t != "accept" else "accept" for t in pred]
    p, r, f, _ = precision_recall_fscore_support(
        bt, bp, labels=["reject", "accept"], zero_division=0
    )
    print(
        f"\naccept/reject: reject P={p[0]:.3f} R={r[0]:.3f} F1={f[0]:.3f}; "
        f"accept P={p[1]:.3f} R={r[1]:.3f} F1={f[1]:.3f}"
    )
    metrics["binary"] = {
        "reject": [round(float(x), 4) for x in (p[0], r[0], f[0])],
        "accept": [round(float(x), 4) for x in (p[1], r[1], f[1])],
    }
    per_source: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for e, pr in zip(test, pred, strict=True):
        per_source[e.source][0] += pr == e.label
        per_source[e.source][1] += 1
    print("accuracy by source:", {k: f"{a}/{n}" for k, (a, n) in sorted(per_source.items())})
    metrics["by_source"] = {k: [a, n] for k, (a, n) in sorted(per_source.items())}

    # sector (multinomial) over the examples that have one
    sec_train = [e for e in train if e.sector]
    sec_test = [e for e in test if e.sector]
    sectors = sorted({e.sector for e in sec_train if e.sector})
    xs, _ = vectorise([e.text for e in sec_train], SMALL_DIM)
    xst, _ = vectorise([e.text for e in sec_test], SMALL_DIM)
    sclf = LogisticRegression(C=10.0, class_weight="balanced", max_iter=3000)
    sclf.fit(xs, [e.sector for e in sec_train])
    sorder = [list(sclf.classes_).index(c) for c in sectors]
    sw, sb = sclf.coef_[sorder], sclf.intercept_[sorder]
    spred = [sectors[i] for i in (xst @ sw.T + sb).argmax(axis=1)]
    metrics["sector"] = report_multiclass(
        "sector", [e.sector or "" for e in sec_test], spred, sectors
    )

    # problem types: one binary model per type with enough examples
    pr_train = [e for e in train if e.problems is not None]
    pr_test = [e for e in test if e.problems is not None]
    counts = Counter(p for e in pr_train for p in e.problems or [])
    ptypes = sorted(p for p, n in counts.items() if n >= 6)
    xp, _ = vectorise([e.text for e in pr_train], SMALL_DIM)
    xpt, _ = vectorise([e.text for e in pr_test], SMALL_DIM)
    pw, pb, prow = [], [], {}
    print("\n== problem types (held-out, one binary model each)")
    for pt in ptypes:
        y = [pt in (e.problems or []) for e in pr_train]
        m = LogisticRegression(C=10.0, class_weight="balanced", max_iter=3000).fit(xp, y)
        pw.append(m.coef_[0])
        pb.append(float(m.intercept_[0]))
        yt = [pt in (e.problems or []) for e in pr_test]
        yp = list((xpt @ m.coef_[0] + m.intercept_[0]) > 0)
        p1, r1, f1, _ = precision_recall_fscore_support(yt, yp, average="binary", zero_division=0)
        prow[pt] = [round(float(p1), 3), round(float(r1), 3), round(float(f1), 3), sum(yt)]
        print(f"{pt:20} P={p1:.3f} R={r1:.3f} F1={f1:.3f} positives={sum(yt)} (train {counts[pt]})")
    metrics["problems"] = prow

    model = {
        "format": 1,
        "trained_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "features": "tousu.moderation.features.feature_strings v1 (crc32 buckets, binary, l2)",
        "screening": {
            "dim": SCREEN_DIM,
            "classes": classes,
            "bias": [float(x) for x in b],
            "weights": quantise(w, 16),
        },
        "sector": {
            "dim": SMALL_DIM,
            "classes": sectors,
            "bias": [float(x) for x in sb],
            "weights": quantise(sw, 8),
        },
        "problems": {
            "dim": SMALL_DIM,
            "classes": ptypes,
            "bias": pb,
            "weights": quantise(np.array(pw), 8),
        },
        "metrics": metrics,
    }
    raw = json.dumps(model, ensure_ascii=False, separators=(",", ":")).encode()
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_bytes(gzip.compress(raw, 9, mtime=0))
    print(f"\nwrote {args.out} ({args.out.stat().st_size:,} bytes)")


if __name__ == "__main__":
    main()
