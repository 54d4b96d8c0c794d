"""The demo data's content: regions, fictional companies, complaint templates per sector.

Every company here is fictional (the names are made up for the demo; any likeness to a real
business is accidental) and no real person appears. ``seed_demo`` composes complaints from these
templates; placeholders in braces are filled per complaint.
"""

from __future__ import annotations

from dataclasses import dataclass, field

# (code, name, level, parent code) — GB/T 2260 codes.
REGIONS: list[tuple[str, str, int, str | None]] = [
    ("110000", "北京市", 1, None),
    ("310000", "上海市", 1, None),
    ("120000", "天津市", 1, None),
    ("500000", "重庆市", 1, None),
    ("440000", "广东省", 1, None),
    ("440100", "广州市", 2, "440000"),
    ("440300", "深圳市", 2, "440000"),
    ("330000", "浙江省", 1, None),
    ("330100", "杭州市", 2, "330000"),
    ("320000", "江苏省", 1, None),
    ("320100", "南京市", 2, "320000"),
    ("320500", "苏州市", 2, "320000"),
    ("510000", "四川省", 1, None),
    ("510100", "成都市", 2, "510000"),
    ("420000", "湖北省", 1, None),
    ("420100", "武汉市", 2, "420000"),
    ("370000", "山东省", 1, None),
    ("370200", "青岛市", 2, "370000"),
    ("350000", "福建省", 1, None),
    ("350200", "厦门市", 2, "350000"),
    ("610000", "陕西省", 1, None),
    ("610100", "西安市", 2, "610000"),
    ("430000", "湖南省", 1, None),
    ("430100", "长沙市", 2, "430000"),
]
# where consumers live (weights follow population and online shopping, roughly)
CONSUMER_REGIONS = [
    ("440300", 8),
    ("440100", 7),
    ("310000", 9),
    ("110000", 8),
    ("330100", 6),
    ("320100", 4),
    ("320500", 4),
    ("510100", 6),
    ("420100", 5),
    ("370200", 3),
    ("350200", 2),
    ("610100", 4),
    ("430100", 4),
    ("120000", 3),
    ("500000", 5),
]


@dataclass(frozen=True)
class DemoCompany:
    name: str
    short: str  # what people call it in a complaint title
    sector: str
    region: str
    aliases: tuple[str, ...] = ()
    brands: tuple[str, ...] = ()
    website: str = ""
    apps: tuple[str, ...] = ()
    # "yes": a verified merchant account answers; "no": nobody (complaints stay unassigned);
    # "late": a merchant joins during the demo period and inherits the waiting complaints
    reachable: str = "yes"
    quality: float = 0.6  # 0..1: how well it treats complaints (ratings, speed)
    weight: float = 1.0  # share of complaints
    order_prefix: str = "DD"


COMPANIES: list[DemoCompany] = [
    DemoCompany(
        "优品汇（上海）电子商务有限公司",
        "优品汇",
        "ecommerce",
        "310000",
        aliases=("优品汇商城", "优品汇APP"),
        brands=("优品汇自营", "优品汇国际"),
        website="https://www.youpinhui.example",
        apps=("优品汇",),
        quality=0.75,
        weight=3.0,
        order_prefix="YPH",
    ),
    DemoCompany(
        "拼拼乐网络科技有限公司",
        "拼拼乐",
        "ecommerce",
        "310000",
        aliases=("拼拼乐APP",),
        brands=("拼拼乐百亿补贴", "拼拼乐买菜"),
        website="https://www.pinpinle.example",
        apps=("拼拼乐",),
        quality=0.5,
        weight=3.0,
        order_prefix="PPL",
    ),
    DemoCompany(
        "星选直播电子商务有限公司",
        "星选直播",
        "ecommerce",
        "330100",
        aliases=("星选直播间",),
        brands=("星选严选",),
        apps=("星选直播",),
        reachable="no",
        quality=0.2,
        weight=1.0,
        order_prefix="XX",
    ),
    DemoCompany(
        "速汇支付科技有限公司",
        "速汇支付",
        "finance",
        "440300",
        aliases=("速汇钱包",),
        brands=("速汇钱包", "速汇信用付"),
        apps=("速汇钱包",),
        quality=0.55,
        weight=1.5,
        order_prefix="SH",
    ),
    DemoCompany(
        "安达消费金融股份有限公司",
        "安达消费金融",
        "finance",
        "420100",
        aliases=("安达金融",),
        brands=("安达分期", "随心借"),
        apps=("安达分期",),
        quality=0.35,
        weight=1.5,
        order_prefix="AD",
    ),
    DemoCompany(
        "金满仓网络小额贷款有限公司",
        "金满仓",
        "finance",
        "500000",
        aliases=("金满仓借款",),
        apps=("金满仓",),
        reachable="no",
        quality=0.1,
        weight=1.0,
        order_prefix="JMC",
    ),
    DemoCompany(
        "途悦国际旅行社有限公司",
        "途悦旅行",
        "travel",
        "330100",
        aliases=("途悦旅行网",),
        brands=("途悦机票", "途悦酒店"),
        website="https://www.tuyue.example",
        apps=("途悦旅行",),
        quality=0.65,
        weight=2.0,
        order_prefix="TY",
    ),
    DemoCompany(
        "畅行出行科技有限公司",
        "畅行出行",
        "travel",
        "110000",
        aliases=("畅行打车",),
        brands=("畅行打车", "畅行顺风车"),
        apps=("畅行出行",),
        quality=0.6,
        weight=1.5,
        order_prefix="CX",
    ),
    DemoCompany(
        "蓝鲸航空股份有限公司",
        "蓝鲸航空",
        "travel",
        "510100",
        aliases=("蓝鲸航",),
        website="https://www.bluewhale-air.example",
        quality=0.7,
        weight=1.0,
        order_prefix="BW",
    ),
    DemoCompany(
        "饭点网络科技有限公司",
        "饭点外卖",
        "local_services",
        "440300",
        aliases=("饭点", "饭点APP"),
        brands=("饭点外卖", "饭点跑腿", "饭点优选"),
        website="https://www.fandian.example",
        apps=("饭点外卖",),
        quality=0.7,
        weight=4.0,
        order_prefix="FD",
    ),
    DemoCompany(
        "家安到家家政服务有限公司",
        "家安到家",
        "local_services",
        "320100",
        brands=("家安保洁",),
        reachable="no",
        quality=0.3,
        weight=0.8,
        order_prefix="JA",
    ),
    DemoCompany(
        "启航教育科技有限公司",
        "启航教育",
        "education",
        "110000",
        aliases=("启航学堂",),
        brands=("启航少儿英语", "启航考研"),
        apps=("启航课堂",),
        quality=0.45,
        weight=1.5,
        order_prefix="QH",
    ),
    DemoCompany(
        "智学优课网络科技有限公司",
        "智学优课",
        "education",
        "420100",
        brands=("智学VIP",),
        apps=("智学优课",),
        reachable="no",
        quality=0.1,
        weight=1.0,
        order_prefix="ZX",
    ),
    DemoCompany(
        "闪达速运有限公司",
        "闪达快递",
        "logistics",
        "440100",
        aliases=("闪达速运", "闪达"),
        brands=("闪达同城",),
        website="https://www.shanda.example",
        quality=0.6,
        weight=2.0,
        order_prefix="SD",
    ),
    DemoCompany(
        "顺捷物流有限公司",
        "顺捷物流",
        "logistics",
        "320500",
        aliases=("顺捷快运",),
        reachable="late",
        quality=0.55,
        weight=1.0,
        order_prefix="SJ",
    ),
    DemoCompany(
        "华讯通信股份有限公司",
        "华讯通信",
        "telecom",
        "440100",
        aliases=("华讯",),
        brands=("华讯宽带", "华讯5G"),
        website="https://www.huaxun.example",
        quality=0.5,
        weight=2.0,
        order_prefix="HX",
    ),
    DemoCompany(
        "远航汽车集团有限公司",
        "远航汽车",
        "auto",
        "420100",
        aliases=("远航",),
        brands=("远航X5", "远航EV7"),
        website="https://www.yuanhang-auto.example",
        quality=0.55,
        weight=1.5,
        order_prefix="YH",
    ),
    DemoCompany(
        "驰锐新能源汽车有限公司",
        "驰锐汽车",
        "auto",
        "370200",
        aliases=("驰锐新能源",),
        brands=("驰锐S7", "驰锐S9"),
        reachable="no",
        quality=0.2,
        weight=1.0,
        order_prefix="CR",
    ),
    DemoCompany(
        "锐族科技有限公司",
        "锐族科技",
        "electronics",
        "440300",
        aliases=("锐族",),
        brands=("锐族手机", "锐族耳机"),
        website="https://www.ruizu.example",
        quality=0.65,
        weight=1.5,
        order_prefix="RZ",
    ),
    DemoCompany(
        "清风家电股份有限公司",
        "清风家电",
        "electronics",
        "440100",
        brands=("清风空调", "清风热水器"),
        quality=0.6,
        weight=1.5,
        order_prefix="QF",
    ),
    DemoCompany(
        "花漾美妆化妆品有限公司",
        "花漾美妆",
        "fashion_beauty",
        "310000",
        brands=("花漾旗舰店",),
        apps=("花漾美妆",),
        quality=0.6,
        weight=1.0,
        order_prefix="HY",
    ),
    DemoCompany(
        "衣品潮牌服饰有限公司",
        "衣品潮牌",
        "fashion_beauty",
        "330100",
        reachable="no",
        quality=0.3,
        weight=0.8,
        order_prefix="YP",
    ),
    DemoCompany(
        "鲜果时光农业科技有限公司",
        "鲜果时光",
        "food",
        "350200",
        brands=("鲜果时光小程序",),
        quality=0.7,
        weight=1.0,
        order_prefix="XG",
    ),
    DemoCompany(
        "牧场乳业有限公司",
        "牧场乳业",
        "food",
        "610100",
        brands=("牧场鲜奶",),
        reachable="no",
        quality=0.3,
        weight=0.8,
        order_prefix="MC",
    ),
    DemoCompany(
        "净家日用品有限公司",
        "净家日用",
        "household",
        "320500",
        brands=("净家纸品", "净家洗护"),
        quality=0.7,
        weight=0.8,
        order_prefix="JJ",
    ),
    DemoCompany(
        "安居装饰工程有限公司",
        "安居装饰",
        "real_estate",
        "510100",
        brands=("安居整装",),
        quality=0.4,
        weight=1.0,
        order_prefix="AJ",
    ),
    DemoCompany(
        "乐租公寓管理有限公司",
        "乐租公寓",
        "real_estate",
        "110000",
        aliases=("乐租",),
        reachable="no",
        quality=0.15,
        weight=1.0,
        order_prefix="LZ",
    ),
    DemoCompany(
        "康宁互联网医院有限公司",
        "康宁互联网医院",
        "health",
        "330100",
        aliases=("康宁医生",),
        brands=("康宁药房",),
        apps=("康宁医生",),
        quality=0.7,
        weight=0.8,
        order_prefix="KN",
    ),
    DemoCompany(
        "悦容医疗美容门诊部",
        "悦容医美",
        "health",
        "430100",
        reachable="no",
        quality=0.2,
        weight=0.7,
        order_prefix="YR",
    ),
    DemoCompany(
        "星游互娱网络科技有限公司",
        "星游互娱",
        "games",
        "310000",
        aliases=("星游",),
        brands=("幻境传说", "星海纪元"),
        quality=0.45,
        weight=1.5,
        order_prefix="XY",
    ),
    DemoCompany(
        "乐看视频科技有限公司",
        "乐看视频",
        "games",
        "110000",
        brands=("乐看VIP",),
        apps=("乐看视频",),
        quality=0.5,
        weight=1.5,
        order_prefix="LK",
    ),
    DemoCompany(
        "青橙出行科技有限公司",
        "青橙出行",
        "sharing",
        "330100",
        brands=("青橙单车", "青橙充电宝"),
        apps=("青橙出行",),
        quality=0.6,
        weight=1.2,
        order_prefix="QC",
    ),
    DemoCompany(
        "悠健身体育发展有限公司",
        "悠健身",
        "other",
        "320100",
        aliases=("悠健身俱乐部",),
        reachable="no",
        quality=0.1,
        weight=0.8,
        order_prefix="YJ",
    ),
]


@dataclass(frozen=True)
class Scenario:
    titles: tuple[str, ...]
    details: tuple[str, ...]
    problems: tuple[str, ...]
    demands: tuple[str, ...]
    amount: tuple[int, int] = (50, 500)
    words: dict[str, tuple[str, ...]] = field(default_factory=dict)
    # only these companies (by short name) get this story; empty means the whole sector
    only: tuple[str, ...] = ()
    # the complaint targets a brand whose name contains one of these ("" matches any brand)
    brand_hint: tuple[str, ...] = ()


def S(  # a short constructor keeps the tables readable
    titles: tuple[str, ...] | str,
    details: tuple[str, ...] | str,
    problems: tuple[str, ...],
    demands: tuple[str, ...],
    amount: tuple[int, int] = (50, 500),
    *,
    only: tuple[str, ...] = (),
    hint: tuple[str, ...] = (),
    **words: tuple[str, ...],
) -> Scenario:
    return Scenario(
        titles=(titles,) if isinstance(titles, str) else titles,
        details=(details,) if isinstance(details, str) else details,
        problems=problems,
        demands=demands,
        amount=amount,
        words=words,
        only=only,
        brand_hint=hint,
    )


GOODS = ("蓝牙耳机", "羽绒服", "空气炸锅", "儿童保温杯", "扫地机器人", "运动鞋", "床上四件套")

SCENARIOS: dict[str, list[Scenario]] = {
    "ecommerce": [
        S(
            ("{brand}退货退款{days}天仍未到账", "{brand}退货已签收，退款迟迟不到账"),
            "我于{date}在{brand}购买了{product}，实付{amount}元。收到后发现与描述不符，按规则申请"
            "了退货退款，商品已于{date2}寄回并显示商家签收，但退款至今没有到账。多次联系客服，"
            "只回复“已催促商家处理”，没有任何进展。",
            ("refund_difficult", "after_sales"),
            ("refund",),
            (80, 900),
            product=GOODS,
        ),
        S(
            ("{brand}商品宣传与实物严重不符", "{brand}买到的{product}疑似假货"),
            "{date}在{brand}下单{product}，商品页面宣称“{claim}”，收到后发现{defect}。联系商家"
            "要求退货，商家以“已拆封影响二次销售”为由拒绝，平台客服也一直让我等待。",
            ("false_advertising", "quality"),
            ("return_refund", "explanation"),
            (99, 2000),
            product=GOODS,
            claim=("正品保证，假一赔十", "90%白鸭绒", "全网最低价", "原装进口"),
            defect=(
                "做工粗糙、没有防伪标识",
                "充绒量明显不足、吊牌信息对不上",
                "用了两次就无法开机",
            ),
        ),
        S(
            "{brand}付款后不发货，商家单方面取消订单",
            "{date}参加{brand}的促销活动购买{product}，付款{amount}元，页面承诺48小时内发货。"
            "等了{days}天一直未发货，随后商家以“缺货”为由单方面取消订单，同款商品却在涨价后"
            "继续销售。我要求商家按承诺发货或按规则赔偿。",
            ("delivery", "unfair_terms"),
            ("compensation", "explanation"),
            (100, 3000),
            product=GOODS,
        ),
        S(
            "{brand}大促先涨价后打折，价保申请被拒",
            "{date}在{brand}购买{product}花了{amount}元，活动前一周同款标价更低。按页面“保价30天”"
            "申请价保，被告知活动商品不参加价保，但下单时页面没有任何提示。",
            ("price", "false_advertising"),
            ("refund", "explanation"),
            (200, 5000),
            product=GOODS,
        ),
        S(
            "{brand}会员未经同意自动续费",
            "我从未主动开通{brand}的付费会员，{date}发现账户被连续扣费，共计{amount}元。"
            "联系客服称是开通试用后自动续费，但开通时页面没有显著提示。要求退还全部费用。",
            ("auto_renewal", "unfair_terms"),
            ("refund",),
            (15, 300),
        ),
    ],
    "finance": [
        S(
            ("{brand}未经授权扣款{amount}元", "{brand}莫名扣款，客服拒不解释"),
            "{date}收到短信提示，我的{brand}账户被扣款{amount}元，备注为“服务费”。我本人从未"
            "开通过该项服务，也没有收到过任何提示。联系客服只说是系统自动扣款，拒绝退还。",
            ("unfair_terms", "auto_renewal"),
            ("refund", "explanation"),
            (20, 2000),
            hint=("钱包",),
        ),
        S(
            ("{brand}暴力催收，骚扰家人和同事", "{brand}催收电话一天几十个"),
            "本人在{brand}借款{amount}元，因收入下降逾期{days}天，已主动联系协商还款。但催收"
            "人员每天拨打几十个电话，还给我通讯录里的亲友和同事发短信，言语侮辱、威胁上门，"
            "严重影响我的工作和生活。",
            ("harassment", "privacy"),
            ("stop_harassment", "apology", "legal"),
            (2000, 30000),
            hint=("随心借", "安达分期", "信用付"),
        ),
        S(
            "{brand}借款实际年化利率远超宣传",
            "{date}通过{brand}借款{amount}元，页面宣传“日息低至万二”。实际到账后发现每期还款"
            "包含担保费、服务费，算下来实际年化利率超过36%。要求按合法利率重新核算并退还多收费用。",
            ("price", "unfair_terms"),
            ("refund", "legal"),
            (3000, 50000),
            hint=("随心借", "安达分期", "信用付"),
        ),
        S(
            "{brand}借款被强制搭售会员",
            "{date}在{brand}申请借款时，页面默认勾选了“加速审核会员”，放款后自动扣了{amount}元"
            "会员费。我并不知情也不需要该服务，要求退还。",
            ("unfair_terms", "price"),
            ("refund",),
            (99, 699),
            hint=("随心借", "安达分期", "信用付"),
        ),
        S(
            "{brand}账户被冻结，余额无法提现",
            "我的{brand}账户{date}突然被冻结，里面有{amount}元余额无法提现。客服只说“账户存在"
            "风险”，不告知具体原因也不给出解冻时间，我已按要求上传了身份证明材料。",
            ("account", "refund_difficult"),
            ("explanation", "refund"),
            (500, 20000),
            hint=("钱包",),
        ),
    ],
    "travel": [
        S(
            "{brand}机票退改手续费高达票价{pct}%",
            "{date}在{brand}购买了一张机票，票价{amount}元。因临时有事在起飞前{days}天申请退票，"
            "被收取票价{pct}%的手续费。购票时页面并未清楚展示退改规则，要求按航空公司标准退费。",
            ("unfair_terms", "price"),
            ("refund", "explanation"),
            (600, 4000),
            pct=("60", "70", "80"),
            only=("途悦旅行", "蓝鲸航空"),
            hint=("机票",),
        ),
        S(
            ("{brand}预订酒店到店无房", "在{brand}订的酒店，到店被告知满房"),
            "{date}通过{brand}预订了酒店，已支付{amount}元，订单显示“已确认”。晚上到店后前台"
            "说没有房间，也没有收到订单信息。深夜只能临时加价另找住处，要求赔偿差价和损失。",
            ("after_sales", "false_advertising"),
            ("compensation", "apology"),
            (300, 2000),
            only=("途悦旅行",),
            hint=("酒店",),
        ),
        S(
            "{brand}司机绕路多收费，投诉后只退一部分",
            "{date}用{brand}叫车，平时同样路线约40元，这次司机绕路收了{amount}元。投诉后平台"
            "只退还了10元，要求退还多收的全部费用并处理司机。",
            ("price",),
            ("refund", "apology"),
            (60, 200),
            only=("畅行出行",),
            hint=("打车", "顺风车"),
        ),
        S(
            "{brand}航班取消后拒绝全额退款",
            "我购买的{date}的航班被取消，{brand}通知可以改签或退票，申请全额退票后却被扣除了"
            "{pct}%手续费，{amount}元的票款只退了一部分。航司原因取消航班应当全额退款。",
            ("refund_difficult", "unfair_terms"),
            ("refund",),
            (500, 3000),
            pct=("10", "20", "30"),
            only=("途悦旅行", "蓝鲸航空"),
            hint=("机票",),
        ),
        S(
            "{brand}老用户订同一房型价格更贵",
            "{date}在{brand}订酒店，同一天同一房型，我的账号显示{amount}元，朋友的新账号便宜"
            "近百元。怀疑存在大数据杀熟，要求平台解释并退还差价。",
            ("price",),
            ("explanation", "refund"),
            (300, 1500),
            only=("途悦旅行",),
            hint=("酒店",),
        ),
        S(
            "{brand}托运行李箱严重损坏，索赔无门",
            "{date}乘坐{brand}的航班，到达后发现托运的行李箱拉杆断裂、箱体开裂。当场登记了"
            "破损，但事后客服只同意赔偿100元，远低于行李箱{amount}元的价格。",
            ("after_sales", "quality"),
            ("compensation",),
            (400, 3000),
            only=("蓝鲸航空",),
        ),
    ],
    "local_services": [
        S(
            (
                "{brand}订单超时{minutes}分钟送达，申请退款被拒",
                "{brand}订单超时严重，赔付券无法使用",
            ),
            "{date}中午在{brand}点餐，订单实付{amount}元，预计30分钟送达，实际超时{minutes}分钟，"
            "饭菜已经凉了。申请退款被拒，只给了一张5元无门槛券，而且当天就过期了。",
            ("delivery", "refund_difficult"),
            ("refund", "apology"),
            (25, 150),
            minutes=("50", "70", "90", "120"),
            only=("饭点外卖",),
            hint=("饭点外卖",),
        ),
        S(
            ("{brand}点餐吃出异物，商家拒不处理", "{brand}点的餐里有{thing}"),
            "{date}在{brand}点的餐里吃出了{thing}，已拍照留存。联系商家，商家说是我自己放的；"
            "联系平台客服，只愿意退一半餐费。要求全额退款并对商家进行处理。",
            ("quality", "safety"),
            ("refund", "compensation", "apology"),
            (30, 200),
            thing=("头发", "钢丝球碎屑", "塑料片", "虫子"),
            only=("饭点外卖",),
            hint=("饭点外卖",),
        ),
        S(
            "{brand}会员红包无法使用，客服推诿",
            "{date}开通了{brand}的会员，宣传每月可领6张无门槛红包。实际领取后大部分店铺显示"
            "“不适用”，客服反复让我换店铺试试。要求退还会员费{amount}元。",
            ("false_advertising",),
            ("refund", "explanation"),
            (10, 60),
            only=("饭点外卖",),
        ),
        S(
            "{brand}保洁服务敷衍，损坏家中物品",
            "{date}通过{brand}预约了4小时深度保洁，付款{amount}元。保洁员两个多小时就走了，"
            "还把卫生间的玻璃置物架打碎。要求退还部分服务费并赔偿损失。",
            ("after_sales", "quality"),
            ("compensation", "apology"),
            (200, 800),
            only=("家安到家",),
            hint=("家安保洁",),
        ),
        S(
            "{brand}储值卡余额不予退还",
            "之前在{brand}办理了储值卡，充值{amount}元，还剩一大半没用。{date}得知门店调整服务"
            "项目，申请退还余额被拒，理由是“储值卡一经售出概不退款”。",
            ("refund_difficult", "unfair_terms"),
            ("refund",),
            (500, 5000),
            only=("家安到家",),
        ),
    ],
    "education": [
        S(
            ("{brand}课程未上完申请退费被拒", "{brand}退费难，剩余课时费不退"),
            "{date}给孩子报了{brand}的{course}，一次性缴费{amount}元。上了不到三分之一，因老师"
            "频繁更换申请退费，机构以合同约定“开课后不退费”为由拒绝。要求按剩余课时退费。",
            ("refund_difficult", "unfair_terms"),
            ("refund",),
            (3000, 30000),
            course=("少儿英语课", "编程课", "考研全程班", "钢琴一对一"),
            hint=("少儿英语",),
        ),
        S(
            "{brand}机构突然关门，预付学费无法退还",
            "{date}起{brand}的线下校区突然停课，老师说机构拖欠工资已经离职，客服电话也打不通。"
            "我预付的{amount}元学费还剩大部分课时没有上，听说很多家长都遇到同样情况。",
            ("refund_difficult", "fraud"),
            ("refund", "legal"),
            (5000, 40000),
        ),
        S(
            "{brand}承诺“不过全额退款”拒不兑现",
            "{date}报名{brand}的{course}，缴费{amount}元，签约时承诺考试不通过全额退款。考试没有"
            "通过后申请退款，机构又提出各种附加条件，至今没有退款。",
            ("false_advertising", "refund_difficult"),
            ("refund",),
            (4000, 20000),
            course=("考研全程班", "教师资格证协议班", "CPA冲刺班"),
            hint=("考研",),
        ),
        S(
            "{brand}诱导办理培训贷",
            "{date}在{brand}咨询课程时，顾问说可以“分期免息”，让我用手机操作了一个分期，事后"
            "才发现是消费贷，总额{amount}元。课程体验很差想退课，机构让我自己去找贷款公司。",
            ("unfair_terms", "fraud"),
            ("refund", "legal"),
            (6000, 30000),
        ),
        S(
            "{brand}课程顾问频繁电话骚扰",
            "自从{date}在{brand}领取了免费试听课，每天都有不同号码打电话推销课程，已明确拒绝"
            "并要求删除我的信息，电话仍然不断。",
            ("harassment", "privacy"),
            ("stop_harassment",),
            (0, 0),
        ),
    ],
    "logistics": [
        S(
            ("{brand}丢件，只按运费三倍赔偿", "{brand}丢件理赔金额过低"),
            "{date}通过{brand}寄出一件{product}，价值{amount}元，至今显示“运输中”。客服确认"
            "丢件后只同意按运费三倍赔偿，理由是没有保价。我寄件时快递员并未提醒保价。",
            ("after_sales", "unfair_terms"),
            ("compensation",),
            (300, 5000),
            product=("笔记本电脑", "手机", "一套茶具", "相机镜头"),
        ),
        S(
            "{brand}派件员不送货上门，直接放驿站",
            "{date}有一个{brand}的包裹，我备注了送货上门，派件员没有打电话就直接放在了两公里外的"
            "驿站，还显示“本人签收”。家里有老人，取件很不方便。",
            ("delivery", "after_sales"),
            ("apology", "explanation"),
            (0, 0),
        ),
        S(
            "{brand}包裹显示已签收，实际未收到",
            "{date}寄给我的{brand}包裹显示已签收，但我和家人都没有收到，驿站也没有。联系快递员"
            "说放在门口了，要求{brand}查明去向并赔偿{amount}元货款。",
            ("delivery",),
            ("compensation", "explanation"),
            (50, 2000),
        ),
        S(
            "{brand}运输导致{product}破损，拒绝理赔",
            "{date}收到{brand}送来的{product}，外箱明显被压扁，里面的东西已经碎了。当场拍了"
            "照片，申请理赔时{brand}说包装不合格不予赔偿。",
            ("quality", "after_sales"),
            ("compensation",),
            (100, 3000),
            product=("陶瓷餐具", "显示器", "红酒", "玻璃鱼缸"),
        ),
    ],
    "telecom": [
        S(
            "{brand}擅自开通增值业务扣费",
            "{date}查询话费详单发现，{brand}从半年前开始每月扣了一项“视频会员包”，累计{amount}"
            "元。我从未办理过这项业务，营业厅说是短信确认开通的，但我从未回复过任何确认短信。",
            ("auto_renewal", "price"),
            ("refund", "explanation"),
            (30, 300),
            hint=("5G",),
        ),
        S(
            "{brand}携号转网被设置障碍",
            "{date}申请携号转网，{brand}提示我的号码有“未到期合约”不能转出，但营业厅查不到"
            "任何合约。客服让我去开户地办理，来回折腾了{days}天仍未解决。",
            ("unfair_terms",),
            ("explanation", "legal"),
            (0, 0),
        ),
        S(
            "{brand}宽带频繁断网，报修无人处理",
            "我家的{brand}宽带从{date}起每天断网好几次，报修了{days}次，每次都说会安排师傅"
            "上门，但一直没人来。已交了{amount}元的年费，要求尽快维修并退还断网期间费用。",
            ("quality", "after_sales"),
            ("repair", "compensation"),
            (500, 1500),
            hint=("宽带",),
        ),
        S(
            "{brand}套餐宣传不限量，用到{gb}G被限速",
            "{date}办理了{brand}的“不限量”套餐，每月{amount}元。用到{gb}G后网速降到几十K，"
            "基本无法使用。营业员办理时没有说明达量限速，要求改回原套餐并退还差价。",
            ("false_advertising",),
            ("refund", "explanation"),
            (99, 399),
            gb=("20", "30", "40"),
            hint=("5G",),
        ),
    ],
    "auto": [
        S(
            ("{model}行驶中刹车突然变硬失灵", "{model}刹车失灵险些追尾"),
            "我的{model}于{date}在高架上正常行驶，踩刹车时踏板突然变硬，制动力明显不足，险些"
            "追尾。送到4S店检测说“一切正常”，但同样的情况后来又出现了两次。车辆购买价{amount}"
            "元，要求厂家查明原因并给出书面说明。",
            ("safety", "quality"),
            ("repair", "explanation", "compensation"),
            (120000, 300000),
            hint=("",),
        ),
        S(
            "{model}底盘异响，多次维修未解决",
            "{date}提车的{model}，开了不到三个月底盘就出现异响，过减速带尤其明显。4S店先后维修"
            "{times}次，更换了多个零件，异响依旧。要求按三包规定换车。",
            ("quality", "after_sales"),
            ("repair", "exchange"),
            (100000, 250000),
            times=("三", "四", "五"),
            hint=("",),
        ),
        S(
            "{model}续航严重虚标",
            "{date}购买的{model}，宣传续航550公里，日常开空调实际只能跑300公里左右，冬天更少。"
            "销售当时保证实际续航能到480公里以上，要求厂家给出解释和补偿。",
            ("false_advertising", "quality"),
            ("explanation", "compensation"),
            (150000, 280000),
            hint=("EV7", "S7", "S9"),
        ),
        S(
            "{model}车机频繁死机黑屏",
            "{model}的中控屏从{date}开始频繁死机黑屏，倒车影像和空调都无法操作，高速上突然黑屏"
            "非常危险。4S店只会重启和升级系统，问题反复出现。",
            ("quality", "safety"),
            ("repair",),
            (120000, 250000),
            hint=("",),
        ),
        S(
            "{brand}交付延期{days}天，拒退定金",
            "{date}在{brand}订购了{model}，交了{amount}元定金，合同约定45天内交车。到期后一再"
            "延期，已经超过{days}天仍无法交车，要求退订被拒，说定金不退。",
            ("delivery", "refund_difficult"),
            ("refund", "compensation"),
            (5000, 20000),
            hint=("",),
        ),
    ],
    "electronics": [
        S(
            ("{product}保修期内故障，售后要求付费维修", "{brand}售后推卸责任，保修期内收费"),
            "{date}购买的{product}，花了{amount}元，使用不到半年就出现故障。送到{brand}售后，"
            "检测后说是“人为损坏”不在保修范围，要付费维修，但我一直正常使用，没有摔过也没有进水。",
            ("after_sales", "quality"),
            ("repair", "exchange"),
            (800, 8000),
        ),
        S(
            "{product}充电时冒烟起火",
            "{date}晚上给{product}充电时，机身突然发烫冒烟，幸好发现及时没有造成火灾，使用的是"
            "原装充电器。联系{brand}客服，只同意免费检测，对安全隐患不作任何说明。",
            ("safety", "quality"),
            ("compensation", "explanation"),
            (300, 6000),
        ),
        S(
            "{brand}空调安装收取高额辅材费",
            "{date}购买{brand}空调，宣传“包安装”。师傅上门后收取铜管、支架等辅材费和“高空作业"
            "费”共{amount}元，价格远高于市场价，而且没有正规收费单。",
            ("price",),
            ("refund", "explanation"),
            (300, 1500),
            only=("清风家电",),
            hint=("空调",),
        ),
        S(
            "{brand}以旧换新补贴迟迟不到账",
            "{date}参加{brand}的以旧换新活动，购买新机时承诺旧机回收后3个工作日内返还补贴"
            "{amount}元。旧机已被取走{days}天，补贴一直没有到账。",
            ("refund_difficult", "false_advertising"),
            ("refund",),
            (200, 1500),
        ),
    ],
    "fashion_beauty": [
        S(
            "{brand}护肤品使用后过敏，商家拒绝退货",
            "{date}在{brand}购买了一套护肤品，价格{amount}元。使用两天后脸部红肿过敏，医院诊断"
            "为接触性皮炎。申请退货被拒，商家说“已使用不退不换”。",
            ("quality", "safety"),
            ("return_refund", "compensation"),
            (200, 2000),
            only=("花漾美妆",),
            hint=("旗舰店",),
        ),
        S(
            "{brand}直播间购买的大牌口红疑似假货",
            "{date}在{brand}直播间抢购了“专柜正品”口红套装，共{amount}元。收到后和专柜对比，"
            "颜色、气味、批号都不一样，怀疑是假货。",
            ("false_advertising", "quality"),
            ("return_refund", "legal"),
            (100, 1000),
            only=("花漾美妆",),
        ),
        S(
            "{brand}衣服洗一次严重褪色缩水",
            "{date}在{brand}买的外套{amount}元，按洗标手洗一次就严重褪色、缩了一个码。要求退货"
            "退款，商家说洗过了不能退。",
            ("quality",),
            ("return_refund",),
            (150, 1200),
            only=("衣品潮牌",),
        ),
        S(
            "{brand}会员积分清零未提前告知",
            "我是{brand}的老会员，积分攒了两年。{date}准备兑换时发现积分被全部清零，客服说规则"
            "早就改了，但我从未收到任何通知。",
            ("unfair_terms",),
            ("explanation",),
            (0, 0),
        ),
    ],
    "food": [
        S(
            ("{brand}买的水果大量腐烂", "{brand}生鲜到货变质，售后只退一半"),
            "{date}在{brand}下单了一箱水果，{amount}元。收到后开箱发现一半以上已经腐烂发霉，"
            "拍照申请售后，只同意退一半金额。",
            ("quality",),
            ("refund",),
            (40, 300),
            only=("鲜果时光",),
            hint=("小程序",),
        ),
        S(
            "{brand}牛奶未过保质期已变质结块",
            "{date}购买的{brand}牛奶，距离保质期还有一周多，打开后发现已经结块、有酸味，孩子"
            "已经喝了一口。要求厂家说明原因并赔偿。",
            ("quality", "safety"),
            ("refund", "compensation", "explanation"),
            (30, 200),
            only=("牧场乳业",),
            hint=("鲜奶",),
        ),
        S(
            "{brand}订奶卡未到期就停止配送",
            "去年办理了{brand}的年度订奶卡，{amount}元。{date}起突然停止配送，客服电话打不通，"
            "还有近半年的奶没有送。",
            ("delivery", "refund_difficult"),
            ("refund",),
            (600, 2000),
            only=("牧场乳业",),
            hint=("鲜奶",),
        ),
        S(
            "{brand}礼盒兑换券无法兑换",
            "中秋前购买了{brand}的礼盒兑换券，{amount}元。{date}按券上的方式预约兑换，系统"
            "一直显示“库存不足”，客服说只能等，节日都过了还没兑换到。",
            ("refund_difficult", "false_advertising"),
            ("refund",),
            (100, 800),
        ),
    ],
    "household": [
        S(
            "{brand}纸巾实际抽数少于标注",
            "{date}购买了{brand}的抽纸一箱，{amount}元，包装标注每包120抽，实际数了几包都只有"
            "100抽左右。要求商家解释并退款。",
            ("false_advertising", "quality"),
            ("refund", "explanation"),
            (30, 120),
            hint=("纸品",),
        ),
        S(
            "{brand}洗衣凝珠包装破损漏液",
            "{date}收到的{brand}洗衣凝珠，盒子里多颗破损漏液，粘在一起无法使用，家里有小孩"
            "很担心误食。申请换货被拒。",
            ("quality", "safety"),
            ("exchange", "refund"),
            (40, 150),
            hint=("洗护",),
        ),
        S(
            "{brand}保温杯宣称保温12小时，实际2小时就凉",
            "{date}买的{brand}保温杯，{amount}元，宣传保温12小时。早上装的热水，不到两个小时"
            "就凉了，连续试了几天都一样。",
            ("false_advertising", "quality"),
            ("return_refund",),
            (50, 300),
        ),
    ],
    "real_estate": [
        S(
            ("{brand}装修增项不断，总价翻倍", "{brand}报价低开高走，不断加项"),
            "{date}与{brand}签订了装修合同，报价{amount}元，宣传“全包无增项”。开工后以水电改造、"
            "墙面找平等名义不断要求加钱，不交钱就停工，总价已经接近合同价的两倍。",
            ("price", "unfair_terms"),
            ("refund", "explanation"),
            (30000, 150000),
            only=("安居装饰",),
            hint=("整装",),
        ),
        S(
            "{brand}装修工期延误{days}天",
            "{brand}的装修合同约定{date}完工，现在已经延误{days}天，工地经常没人。多次催促，"
            "项目经理一直推脱，我们一家只能继续在外租房。",
            ("delivery",),
            ("compensation",),
            (20000, 120000),
            only=("安居装饰",),
            hint=("整装",),
        ),
        S(
            "{brand}退租不退押金",
            "在{brand}租的房子合同到期，{date}正常退租，房间按原样交还。管家以“墙面有污渍”"
            "“需要深度保洁”为由扣光了{amount}元押金，没有提供任何照片和收费明细。",
            ("refund_difficult", "unfair_terms"),
            ("refund",),
            (2000, 8000),
            only=("乐租公寓",),
        ),
        S(
            "{brand}交付的房间甲醛超标",
            "{date}入住{brand}的房间后，家人出现咳嗽、喉咙痛。自费请第三方检测，甲醛超标两倍多。"
            "要求解约退款，被告知要扣违约金。",
            ("safety", "quality"),
            ("compensation", "refund"),
            (3000, 15000),
            only=("乐租公寓",),
        ),
        S(
            "{brand}橱柜板材与合同约定不符",
            "{date}{brand}安装的橱柜，合同写的是E0级实木颗粒板，实际拆开看是普通密度板。合同"
            "金额{amount}元，要求按合同更换。",
            ("false_advertising", "quality"),
            ("exchange", "compensation"),
            (8000, 40000),
            only=("安居装饰",),
        ),
    ],
    "health": [
        S(
            "{brand}问诊费已付，医生始终未接诊",
            "{date}在{brand}付费{amount}元预约图文问诊，等了24小时医生都没有接诊，订单自动"
            "关闭后费用却没有退回。",
            ("refund_difficult",),
            ("refund",),
            (20, 300),
            only=("康宁互联网医院",),
        ),
        S(
            "{brand}药品配送错误",
            "{date}在{brand}购买处方药，收到的药品规格和处方不一致，差点误服。联系客服只说"
            "可以退货，对错误配送没有任何解释。",
            ("delivery", "safety"),
            ("exchange", "apology", "explanation"),
            (50, 800),
            only=("康宁互联网医院",),
            hint=("药房",),
        ),
        S(
            "{brand}医美项目效果与承诺严重不符",
            "{date}在{brand}做了一个{project}项目，花费{amount}元。咨询时承诺“一次见效、无恢复期”，"
            "做完后红肿半个月，效果几乎没有。要求退款。",
            ("false_advertising", "quality"),
            ("refund", "compensation"),
            (3000, 30000),
            project=("光子嫩肤", "热玛吉", "水光针"),
            only=("悦容医美",),
        ),
        S(
            "{brand}体检套餐项目被擅自缩水",
            "{date}在{brand}购买了{amount}元的体检套餐，到现场后有三个项目说“设备维护”做不了，"
            "也不退差价。",
            ("false_advertising",),
            ("refund",),
            (300, 3000),
            only=("康宁互联网医院",),
        ),
    ],
    "games": [
        S(
            "{brand}账号无故被封，充值{amount}元无法使用",
            "我在{brand}的账号{date}突然被永久封禁，理由是“使用第三方软件”，我从未使用过任何"
            "外挂。账号里累计充值{amount}元，申诉三次都是模板回复。",
            ("account", "refund_difficult"),
            ("explanation", "refund"),
            (300, 20000),
            only=("星游互娱",),
            hint=("",),
        ),
        S(
            "{brand}未成年人充值申请退款被拒",
            "我孩子今年12岁，{date}前后用我的手机在{brand}充值了{amount}元。已经提交了身份证明"
            "和支付记录，客服以“无法证明是未成年人操作”为由拒绝退款。",
            ("refund_difficult",),
            ("refund",),
            (500, 8000),
            only=("星游互娱",),
            hint=("",),
        ),
        S(
            ("{brand}会员自动续费，取消入口难找", "{brand}会员到期自动扣费"),
            "{date}发现{brand}会员自动续费扣了{amount}元。开通时没有明显的自动续费提示，取消"
            "入口藏得很深，找了半天才找到。要求退还本次扣费。",
            ("auto_renewal", "unfair_terms"),
            ("refund",),
            (15, 250),
            hint=("乐看VIP",),
        ),
        S(
            "{brand}开了会员仍有广告，热门内容另收费",
            "{date}开通了{brand}的会员，{amount}元/年，宣传“免广告”。实际每集开头还是有广告，"
            "热门剧集还要另外付费才能提前看。",
            ("false_advertising", "price"),
            ("refund", "explanation"),
            (100, 300),
            only=("乐看视频",),
            hint=("乐看VIP",),
        ),
        S(
            "{brand}抽卡概率与公示不符",
            "{brand}公示的限定角色抽取概率为2%，我{date}前后累计抽了300多次、充值{amount}元都"
            "没有抽到，和公示概率严重不符，怀疑暗改概率。",
            ("false_advertising", "fraud"),
            ("explanation", "refund"),
            (1000, 10000),
            only=("星游互娱",),
            hint=("",),
        ),
    ],
    "sharing": [
        S(
            "{brand}充电宝已归还仍持续扣费",
            "{date}在商场租用了{brand}，半小时后就归还了，柜机显示归还成功。但订单一直"
            "没有结束，最后按“未归还”扣了{amount}元。",
            ("price", "refund_difficult"),
            ("refund",),
            (40, 99),
            hint=("充电宝",),
        ),
        S(
            "{brand}押金申请退还{days}天未到账",
            "{date}申请退还{brand}的押金{amount}元，页面显示“退款处理中”，已经过了{days}天"
            "仍未到账，客服电话一直占线。",
            ("refund_difficult",),
            ("refund",),
            (99, 299),
            hint=("单车",),
        ),
        S(
            "{brand}骑行卡未使用却自动续费",
            "{date}发现{brand}骑行卡自动续费了{amount}元，这个月我一次都没有骑过，开通时也不"
            "知道会自动续费。",
            ("auto_renewal",),
            ("refund",),
            (10, 60),
            hint=("单车",),
        ),
        S(
            "{brand}单车刹车失灵导致摔伤",
            "{date}骑{brand}下坡时刹车失灵摔倒，手臂和膝盖擦伤，花费医药费{amount}元。"
            "车辆编号已拍照，联系客服只说会“反馈给运维”。",
            ("safety",),
            ("compensation", "apology"),
            (200, 3000),
            hint=("单车",),
        ),
    ],
    "other": [
        S(
            ("{brand}突然闭店，年卡余额无法退", "{brand}跑路，会员卡作废"),
            "{date}去{brand}健身发现门店已经关门，门口贴着“装修升级”的告示，但已经一个多月"
            "没有任何动静。我{amount}元的年卡才用了两个月，工作人员全部联系不上。",
            ("refund_difficult", "fraud"),
            ("refund", "legal"),
            (1500, 8000),
        ),
        S(
            "{brand}私教课强制推销，退课扣高额手续费",
            "{date}在{brand}被教练反复推销，稀里糊涂买了{amount}元的私教课。第二天申请退课，"
            "被要求扣除30%手续费。",
            ("unfair_terms", "harassment"),
            ("refund",),
            (3000, 15000),
        ),
        S(
            "{brand}转让后新店不认老会员卡",
            "{brand}{date}换了老板，新店说之前的会员卡和储值{amount}元都不认了，让我们找原来"
            "的老板，但原来的老板已经联系不上。",
            ("unfair_terms", "refund_difficult"),
            ("refund", "legal"),
            (1000, 6000),
        ),
    ],
}

# A car's brand is its model name; a phone brand has products.
PRODUCTS: dict[str, tuple[str, ...]] = {
    "锐族科技": ("锐族Pro 12手机", "锐族无线降噪耳机", "锐族平板电脑"),
    "清风家电": ("清风变频空调", "清风燃气热水器", "清风洗碗机"),
}

REPLIES = (
    "您好，我是{brand}客服专员。非常抱歉给您带来不便，您反映的问题已经记录并转交相关部门核实，"
    "我们会在2个工作日内电话联系您，请保持电话畅通。",
    "您好，经核实，您的诉求合理。我们已为您办理退款{amount}元，原路退回，预计1-3个工作日到账，"
    "请注意查收。给您带来的不便深表歉意。",
    "您好，已安排专人跟进您的问题，稍后会与您电话沟通具体处理方案，请您耐心等待。",
    "您好，感谢您的反馈。相关负责人已介入，目前正在与合作方核实情况，核实后会第一时间给您答复。",
    "您好，经查询，您的订单处理符合服务协议约定。如您有新的凭证，请通过在线客服提交，"
    "我们会再次核实。",
    "您好，非常抱歉！我们已对相关人员进行了处理，并将改进服务流程，专员会联系您商量补偿方案。",
)
SOLUTIONS = (
    "解决方案：全额退还{amount}元，并额外补偿{comp}元，3个工作日内到账。",
    "解决方案：退还{half}元，并赠送一张{comp}元无门槛优惠券，请您确认是否接受。",
    "解决方案：免费为您更换新品并承担往返运费，已安排专人联系您确认地址。",
    "解决方案：安排专业人员上门检测维修，维修期间如有损失由我方承担。",
)
COMPLETION_REQUESTS = (
    "已与您电话沟通并按方案处理完毕，如无其他问题请确认完成。",
    "退款已原路退回，交易流水号已通过短信发送给您，申请结案。",
    "问题已处理完毕，感谢您的理解与支持。",
    "",
)
FOLLOW_UPS_AFTER_REPLY = (
    "客服说会联系我，但三天过去了没有接到任何电话，问题仍未解决。",
    "商家的方案我不接受，只退一半金额不合理。",
    "退款仍未到账，请商家给出准确的到账时间。",
    "补充：我保存了与客服的全部聊天记录，客服当时明确承诺可以退款。",
)
FOLLOW_UPS = (
    "补充一下：今天再次联系了客服，仍然没有结果。",
    "补充：付款时间和金额可见订单详情截图，希望尽快处理。",
    "问题还在持续，希望尽快处理。",
)
DISPUTES = (
    "退款并没有到账，商家申请完成与事实不符。",
    "商家说的补偿至今没有收到，不同意结案。",
    "维修后问题依旧存在，不同意结案。",
)
CONFIRM_COMMENTS = {
    "high": (
        "处理及时，客服态度很好，问题圆满解决，感谢平台！",
        "退款已到账，效率很高，点赞。",
        "问题已解决，谢谢。",
    ),
    "mid": (
        "问题解决了，就是过程有点慢。",
        "虽然拖了一段时间，最终还是给了说法。",
        "",
    ),
    "low": (
        "勉强接受吧，沟通太费劲了。",
        "解决得很不情愿，不会再买了。",
        "",
    ),
}
REOPENS = (
    "确认完成后发现退款又被扣回，问题并没有真正解决。",
    "维修后用了两周，同样的故障又出现了。",
)
ESCALATE_CONSUMER = (
    "与商家多次沟通无果，申请第三方调解。",
    "商家一直推诿，希望调解组织介入。",
)
ESCALATE_MODERATOR = ("商家长期未能解决，双方分歧较大，平台将投诉转交调解组织。",)
MEDIATION_SUCCEEDED = (
    "经调解，双方达成一致：商家退还{amount}元并书面致歉。",
    "经调解，商家同意承担{half}元损失，双方无异议。",
)
MEDIATION_FAILED = (
    "经调解，双方分歧较大，未能达成一致。建议消费者保留证据，向当地市场监管部门或人民法院"
    "寻求解决。",
    "商家拒绝参加调解，调解终止。消费者可依法通过其他途径维权。",
)
WITHDRAWALS = (
    "已与商家协商解决，撤回投诉。",
    "信息填写有误，撤回后重新提交。",
    "商家已主动联系并退款，不需要平台处理了。",
)
CLOSE_UNASSIGNED = (
    "经核实，该企业已注销或无法联系，平台无法转交，投诉关闭。您可以向当地市场监管部门反映。",
)
RESUBMIT_APPENDIX = "\n补充：已补充订单信息和聊天记录截图，购买日期为{date}。"

# Complaints review turns down: (reason code, title, details, message to the consumer).
REJECTED: tuple[tuple[str, str, str, str], ...] = (
    (
        "labour_dispute",
        "{short}拖欠工资两个月不发",
        "我是{short}的员工，入职后公司连续两个月拖欠工资共计{amount}元，找主管一直推脱。",
        "您反映的是劳动纠纷，不属于消费投诉受理范围，建议向当地劳动监察部门或劳动仲裁委员会反映。",
    ),
    (
        "private_dispute",
        "在{short}上买二手，卖家收钱不发货",
        "在{short}上和一个个人卖家私下交易了一台二手手机，转账{amount}元后对方把我拉黑了。",
        "您与个人卖家私下交易产生的纠纷属于个人之间的纠纷，建议保留证据向公安机关报案。",
    ),
    (
        "insult",
        "{short}垃圾公司！！！",
        "垃圾公司，骗子，大家千万别用！！！垃圾垃圾垃圾！！！",
        "投诉内容仅有辱骂，没有具体事实，请描述发生了什么、涉及的订单和金额后重新提交。",
    ),
    (
        "spam",
        "专业代办{short}退款维权",
        "专业代办各平台退款、维权，不成功不收费，成功率高，有需要的朋友私信联系。",
        "该内容为广告信息，不予受理。",
    ),
    (
        "insufficient",
        "{short}有问题",
        "他们的服务有问题，请平台处理一下，谢谢。",
        "投诉信息不足，请补充具体经过、时间、订单和诉求后重新提交。",
    ),
    (
        "too_old",
        "{short}2019年办的会员卡不给退",
        "2019年在{short}办的会员卡，当时充了{amount}元，一直没用，现在想退不给退。",
        "您反映的消费纠纷发生在3年以前，超出受理期限。",
    ),
)

CONSUMER_NICKNAMES = (
    "不想加班的猫",
    "橘子汽水",
    "雨后彩虹",
    "深夜食堂常客",
    "周末去爬山",
    "楼下的风",
    "爱喝奶茶",
    "追剧到天亮",
    "一只咸鱼",
    "绿萝不浇水",
    "早起困难户",
    "喵星来客",
    "骑车上班族",
    "晴天有点晒",
    "南方小土豆",
    "北方的冬天",
    "熬夜冠军",
    "咖啡续命",
    "坚果爱好者",
    "不吃香菜",
    "宝妈一枚",
    "数码爱好者",
    "旅行青蛙",
    "小区业主",
    "打工人阿强",
    "番茄炒蛋",
    "山城小雾",
    "海边的贝壳",
    "路过的星星",
    "安静的书签",
)
