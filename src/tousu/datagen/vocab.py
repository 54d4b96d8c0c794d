"""Hand-written vocabulary and phrase patterns of the data generator.

Written for Tousu from the shape of real complaints (the sector mix, the problem types, the way
consumers tell a story: what they bought, what went wrong, what the company said, what they
want); no real complaint text is copied here. ``tousu bench-data --vocabulary`` can add words
counted from the real data in ``../shared/data`` (single words only, never sentences).
"""

from __future__ import annotations

# sector → share of complaints (黑猫投诉: shopping platforms, local services and finance lead)
SECTOR_WEIGHTS: dict[str, float] = {
    "ecommerce": 0.26,
    "local_services": 0.12,
    "finance": 0.12,
    "education": 0.06,
    "logistics": 0.05,
    "telecom": 0.05,
    "travel": 0.07,
    "auto": 0.04,
    "electronics": 0.06,
    "fashion_beauty": 0.03,
    "food": 0.02,
    "household": 0.02,
    "real_estate": 0.03,
    "health": 0.02,
    "games": 0.03,
    "sharing": 0.01,
    "other": 0.01,
}

# prepaid sectors where a business that vanishes takes its customers' fees (跑路)
PREPAID_SECTORS = ("education", "health", "local_services", "real_estate")

NAME_CORES = (
    "优",
    "鑫",
    "华",
    "易",
    "盛",
    "创",
    "智",
    "云",
    "达",
    "汇",
    "信",
    "联",
    "通",
    "泰",
    "安",
    "康",
    "乐",
    "美",
    "佳",
    "新",
    "恒",
    "隆",
    "宏",
    "博",
    "天",
    "海",
    "明",
    "星",
    "宇",
    "辰",
    "嘉",
    "瑞",
    "丰",
    "和",
    "正",
    "益",
    "捷",
    "迅",
    "点",
    "趣",
    "橙",
    "蓝",
    "速",
    "享",
    "享",
    "拼",
    "淘",
    "购",
    "贝",
    "米",
    "果",
    "帆",
    "途",
    "行",
    "客",
    "家",
    "居",
    "学",
    "思",
    "课",
)
CITIES = (
    "北京",
    "上海",
    "广州",
    "深圳",
    "杭州",
    "成都",
    "武汉",
    "南京",
    "西安",
    "重庆",
    "天津",
    "苏州",
    "长沙",
    "郑州",
    "青岛",
    "厦门",
    "合肥",
    "福州",
    "济南",
    "昆明",
    "宁波",
    "东莞",
)
SECTOR_SUFFIX: dict[str, tuple[str, ...]] = {
    "ecommerce": ("电子商务有限公司", "网络科技有限公司", "信息技术有限公司"),
    "local_services": ("网络科技有限公司", "生活服务有限公司", "信息科技有限公司"),
    "finance": ("金融服务有限公司", "小额贷款有限公司", "融资担保有限公司", "支付有限公司"),
    "education": ("教育科技有限公司", "培训学校有限公司", "文化传播有限公司"),
    "logistics": ("物流有限公司", "快递有限公司", "供应链管理有限公司"),
    "telecom": ("通信有限公司", "宽带网络有限公司", "移动通信服务有限公司"),
    "travel": ("旅行社有限公司", "国际旅游有限公司", "出行科技有限公司", "航空服务有限公司"),
    "auto": ("汽车销售服务有限公司", "汽车有限公司", "新能源汽车有限公司"),
    "electronics": ("电子有限公司", "电器有限公司", "智能科技有限公司"),
    "fashion_beauty": ("服饰有限公司", "化妆品有限公司", "美容有限公司"),
    "food": ("食品有限公司", "餐饮管理有限公司", "饮品有限公司"),
    "household": ("日用品有限公司", "家居用品有限公司", "商贸有限公司"),
    "real_estate": ("房地产开发有限公司", "装饰工程有限公司", "公寓管理有限公司"),
    "health": ("健身管理有限公司", "医疗美容诊所有限公司", "健康科技有限公司"),
    "games": ("网络游戏有限公司", "互动娱乐有限公司", "数码科技有限公司"),
    "sharing": ("共享科技有限公司", "出行服务有限公司", "租赁有限公司"),
    "other": ("商务服务有限公司", "实业有限公司", "贸易有限公司"),
}
BRAND_SUFFIX: dict[str, tuple[str, ...]] = {
    "ecommerce": ("商城", "优选", "严选", "特卖"),
    "local_services": ("到家", "外卖", "跑腿", "生活"),
    "finance": ("贷", "钱包", "分期", "借呗宝"),
    "education": ("网校", "课堂", "英语", "学堂"),
    "logistics": ("速运", "快递", "速递"),
    "telecom": ("宽带", "通信", "卡"),
    "travel": ("旅行", "出行", "机票", "酒店"),
    "auto": ("汽车", "新能源", "EV"),
    "electronics": ("手机", "电器", "智能"),
    "fashion_beauty": ("美妆", "女装", "医美"),
    "food": ("咖啡", "茶饮", "生鲜"),
    "household": ("家居", "百货"),
    "real_estate": ("公寓", "家装", "租房"),
    "health": ("健身", "医美", "健康"),
    "games": ("游戏", "手游", "电竞"),
    "sharing": ("单车", "充电宝", "租车"),
    "other": ("服务",),
}
PRODUCTS: dict[str, tuple[str, ...]] = {
    "ecommerce": (
        "手机壳",
        "羽绒服",
        "运动鞋",
        "空气炸锅",
        "扫地机器人",
        "婴儿奶粉",
        "洗衣液",
        "蓝牙耳机",
        "床上四件套",
        "行李箱",
        "护肤套装",
        "电动牙刷",
    ),
    "local_services": ("外卖订单", "家政保洁", "团购套餐", "跑腿订单", "会员卡", "上门维修"),
    "finance": ("借款", "分期付款", "信用卡年费", "会员服务费", "保险", "理财产品"),
    "education": ("英语课程", "考研辅导班", "少儿编程课", "职业技能培训", "网课会员", "托管服务"),
    "logistics": ("快递包裹", "同城配送", "国际转运", "到付件"),
    "telecom": ("宽带套餐", "手机套餐", "流量包", "靓号", "增值业务"),
    "travel": ("机票", "酒店预订", "火车票", "旅游团", "租车订单", "门票"),
    "auto": ("新车", "二手车", "保养套餐", "延保服务", "车载系统"),
    "electronics": ("笔记本电脑", "智能手表", "冰箱", "空调", "洗衣机", "平板电脑", "耳机"),
    "fashion_beauty": ("连衣裙", "口红", "面霜", "医美项目", "美甲套餐"),
    "food": ("咖啡券", "生鲜订单", "月饼礼盒", "奶茶", "零食大礼包"),
    "household": ("收纳箱", "纸巾", "保温杯", "厨房用具"),
    "real_estate": ("装修工程", "公寓租金", "押金", "定制家具", "物业费"),
    "health": ("健身年卡", "私教课", "体检套餐", "减肥疗程", "美容卡"),
    "games": ("游戏充值", "皮肤道具", "账号", "会员月卡", "抽卡"),
    "sharing": ("共享单车押金", "充电宝", "共享汽车", "共享按摩椅"),
    "other": ("服务费", "会员费", "定金"),
}
# problem type → (title patterns, story sentences)
PROBLEMS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "refund_difficult": (
        (
            "{product}申请退款迟迟不到账",
            "{brand}拒绝退款",
            "{product}退款难，客服推诿",
            "要求{brand}退还{amount}元",
        ),
        (
            "申请退款已经{days}天了，钱一直没有退回来。",
            "客服一直说在处理中，让我耐心等待。",
            "按照规定应该七天无理由退款，但商家以各种理由拒绝。",
            "多次联系客服，每次都说已经提交给相关部门。",
            "退款申请被驳回，理由是商品已拆封。",
        ),
    ),
    "false_advertising": (
        ("{brand}虚假宣传", "{product}与宣传严重不符", "{brand}夸大宣传诱导消费"),
        (
            "页面宣传的功能实际根本没有。",
            "直播间承诺的赠品一直没有发。",
            "宣传说是正品，收到的明显是假货。",
            "广告上写的价格和实际收费完全不一样。",
        ),
    ),
    "quality": (
        ("{product}质量问题", "{brand}产品存在质量问题拒不处理", "刚买的{product}就坏了"),
        (
            "收到货用了{days}天就出现了故障。",
            "商品有明显的质量问题，做工粗糙。",
            "送去检测后确认是产品本身的问题。",
            "商家不承认是质量问题，要求我自己承担维修费用。",
        ),
    ),
    "delivery": (
        ("{brand}迟迟不发货", "{product}超时未送达", "{brand}物流信息一直不更新"),
        (
            "下单后{days}天了还没有发货。",
            "物流信息显示已签收，但我根本没有收到。",
            "快递员没有送货上门，直接放在了驿站。",
            "包裹在运输途中丢失，商家和快递互相推卸责任。",
        ),
    ),
    "after_sales": (
        ("{brand}售后服务差", "{product}维修一拖再拖", "{brand}客服态度恶劣"),
        (
            "客服态度非常差，直接挂断电话。",
            "售后答应三天内上门，结果一直没人来。",
            "维修了{times}次还是同样的问题。",
            "在线客服只会回复机器人模板。",
        ),
    ),
    "unfair_terms": (
        ("{brand}霸王条款", "{brand}单方面修改规则", "{product}不退定金属于霸王条款"),
        (
            "合同里写着概不退款，这明显是霸王条款。",
            "平台单方面修改了规则，没有提前通知。",
            "取消订单要扣除百分之{percent}的手续费。",
        ),
    ),
    "auto_renewal": (
        ("{brand}自动续费不提醒", "{brand}会员自动扣费", "未经同意自动续费{amount}元"),
        (
            "在不知情的情况下被自动续费扣款{amount}元。",
            "开通时没有任何自动续费的提示。",
            "取消自动续费的入口非常隐蔽，根本找不到。",
            "连续{times}个月被扣费，要求全部退还。",
        ),
    ),
    "price": (
        ("{brand}乱收费", "{product}价格欺诈", "{brand}大数据杀熟"),
        (
            "同样的订单，我的账号价格比别人贵了很多。",
            "结账时多收了{amount}元的服务费。",
            "先涨价再打折，所谓的优惠根本不存在。",
        ),
    ),
    "fraud": (
        ("{brand}涉嫌诈骗", "被{brand}骗走{amount}元", "{brand}诱导投资无法提现"),
        (
            "对方以高额回报为诱饵让我不断充值。",
            "充值之后账户被冻结，无法提现。",
            "客服要求先交保证金才能解冻。",
            "后来发现对方的联系方式全部失效。",
        ),
    ),
    "harassment": (
        ("{brand}暴力催收", "{brand}频繁骚扰电话", "{brand}催收骚扰家人"),
        (
            "每天接到几十个催收电话。",
            "催收人员给我的通讯录联系人发短信。",
            "对方言语辱骂，威胁要上门。",
            "已经协商还款计划，但骚扰一直没有停止。",
        ),
    ),
    "privacy": (
        ("{brand}泄露个人信息", "注册{brand}后接到大量骚扰电话"),
        ("注册后就开始接到各种推销电话。", "我的订单信息被泄露，骗子准确说出了我的订单号。"),
    ),
    "safety": (
        ("{product}存在安全隐患", "{brand}{product}起火", "{product}漏电"),
        (
            "使用过程中突然冒烟起火，差点造成危险。",
            "产品存在漏电的情况，孩子被电了一下。",
            "商家不承认是安全问题，只愿意退一半的钱。",
        ),
    ),
    "account": (
        ("{brand}无故封号", "{brand}账号被冻结", "账户余额{amount}元无法提取"),
        ("账号突然被封，里面还有余额。", "申诉多次都没有结果，也不告诉原因。"),
    ),
    "other": (
        ("{brand}问题投诉", "关于{product}的投诉"),
        ("问题一直没有得到解决。", "希望平台能够帮忙处理。"),
    ),
}
OPENINGS = (
    "{month}月{day}日在{brand}购买了{product}，支付了{amount}元。",
    "本人于{month}月{day}日通过{brand}下单{product}，订单金额{amount}元。",
    "{month}月{day}日在{brand}的官方渠道办理了{product}，共花费{amount}元。",
    "我在{brand}买了{product}，花了{amount}元。",
    "今年{month}月份在{brand}消费{amount}元购买{product}。",
)
CLOSINGS = (
    "希望平台帮忙协调解决。",
    "请相关部门督促商家尽快处理。",
    "希望{brand}给一个合理的解释。",
    "要求商家按照消费者权益保护法处理。",
    "已经向12315反映，希望尽快解决。",
    "如果再不处理，我将通过法律途径维权。",
    "",
)
DEMAND_PHRASES: dict[str, str] = {
    "refund": "要求全额退款。",
    "return_refund": "要求退货退款。",
    "compensation": "要求赔偿损失。",
    "apology": "要求商家道歉。",
    "explanation": "要求给出合理解释。",
    "exchange": "要求换货。",
    "repair": "要求免费维修。",
    "stop_harassment": "要求立即停止骚扰。",
    "legal": "请求依法处理。",
}
SECTOR_PROBLEMS: dict[str, tuple[str, ...]] = {
    "ecommerce": ("refund_difficult", "quality", "delivery", "false_advertising", "after_sales"),
    "local_services": ("refund_difficult", "after_sales", "price", "delivery", "auto_renewal"),
    "finance": ("harassment", "price", "fraud", "privacy", "unfair_terms"),
    "education": ("refund_difficult", "false_advertising", "unfair_terms", "auto_renewal"),
    "logistics": ("delivery", "after_sales", "refund_difficult"),
    "telecom": ("price", "auto_renewal", "after_sales", "unfair_terms"),
    "travel": ("refund_difficult", "unfair_terms", "price", "after_sales"),
    "auto": ("quality", "after_sales", "safety", "false_advertising"),
    "electronics": ("quality", "after_sales", "safety", "refund_difficult"),
    "fashion_beauty": ("quality", "false_advertising", "refund_difficult"),
    "food": ("quality", "refund_difficult", "delivery"),
    "household": ("quality", "delivery", "refund_difficult"),
    "real_estate": ("unfair_terms", "refund_difficult", "quality"),
    "health": ("refund_difficult", "unfair_terms", "false_advertising"),
    "games": ("account", "refund_difficult", "auto_renewal", "unfair_terms"),
    "sharing": ("price", "refund_difficult", "auto_renewal"),
    "other": ("other", "refund_difficult"),
}
PROBLEM_DEMANDS: dict[str, tuple[str, ...]] = {
    "refund_difficult": ("refund", "return_refund"),
    "false_advertising": ("refund", "compensation"),
    "quality": ("return_refund", "exchange", "repair", "compensation"),
    "delivery": ("refund", "compensation"),
    "after_sales": ("repair", "explanation", "apology"),
    "unfair_terms": ("refund", "explanation"),
    "auto_renewal": ("refund",),
    "price": ("refund", "explanation"),
    "fraud": ("refund", "legal"),
    "harassment": ("stop_harassment", "apology"),
    "privacy": ("explanation", "legal"),
    "safety": ("compensation", "return_refund"),
    "account": ("explanation", "refund"),
    "other": ("explanation",),
}
MERCHANT_REPLIES = (
    "您好，已收到您的反馈，专员会在24小时内联系您处理。",
    "您好，经核实已为您办理退款，请注意查收。",
    "非常抱歉给您带来不便，我们已安排售后专员跟进。",
    "您好，已与您电话沟通，按照协商结果处理中。",
)
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰红梅萍"

# injected patterns (ground truth for the insights issue)
RUNAWAY_TERMS = ("跑路", "关门", "停业", "退费", "联系不上", "人去楼空")
# every title of a 跑路 surge says 跑路, and every such text adds one more of RUNAWAY_TERMS below:
# the words that rose are the same whatever the seed (tests/insights/test_scan.py)
RUNAWAY_TITLES = ("{brand}跑路了", "{brand}突然关门跑路", "{brand}停业不退费，疑似跑路")
RUNAWAY_SENTENCES = (
    "门店突然关门了，老板联系不上，疑似跑路。",
    "交了{amount}元的费用，现在机构停业，要求退费。",
    "去现场看已经人去楼空，电话也打不通。",
    "很多家长都在群里说机构跑路了，要求退还剩余课时费。",
)
DEFECT_PATTERNS = (
    ("刹车失灵", "行驶中刹车突然失灵，差点发生事故。"),
    ("自燃", "车辆停放时突然自燃，车身烧毁。"),
    ("断轴", "正常行驶时前轴断裂，车辆失控。"),
    ("转向失灵", "高速行驶时方向盘突然转向失灵。"),
    ("电池起火", "充电时电池冒烟起火。"),
)
CAR_MODELS = ("X5", "S7", "Q3", "EV300", "L9", "M6", "T8 Pro", "风行500", "瑞行7")
FRAUD_SENTENCES = (
    "在{platform}上投资，一开始能提现，后来充值{amount}元后无法提现。",
    "{platform}客服说要缴纳税费才能解冻资金，交了之后又要求交保证金。",
    "通过{platform}借款，到账金额远低于合同金额，还被收取高额服务费。",
    "被拉进群里推荐使用{platform}刷单返利，被骗{amount}元。",
)
FRAUD_PLATFORM_STEMS = ("金盛", "汇通", "恒利", "鼎鑫", "云投", "速借", "宝盈", "融达")
FRAUD_PLATFORM_SUFFIX = ("理财", "投资", "钱包", "数字资产", "借款APP", "返利")
