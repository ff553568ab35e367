"""The demo company's words and places: data only, no frappe (the planner and the site-free tests read it).

Chinese first, because the company sells in China; some customers and reps write in English.
"""

from __future__ import annotations

COMPANY_NAME = "SP Demo Trading"
COMPANY_ABBR = "SPDT"
COUNTRY = "China"
CURRENCY = "CNY"
TIME_ZONE = "Asia/Shanghai"
# every demo login has this password (stated in the README and printed by the command)
PASSWORD = "Demo-pass-2026!"
PRICE_LIST = "SP Demo Selling"

# sales regions (one team each) and their cities: territory name, Chinese name, centre (lat, lon)
REGIONS = {
	"East China": [
		("Shanghai", "上海", (31.2304, 121.4737)),
		("Hangzhou", "杭州", (30.2741, 120.1551)),
		("Ningbo", "宁波", (29.8683, 121.5440)),
		("Suzhou", "苏州", (31.2989, 120.5853)),
		("Nanjing", "南京", (32.0603, 118.7969)),
		("Wuxi", "无锡", (31.4912, 120.3119)),
	],
	"North China": [
		("Beijing", "北京", (39.9042, 116.4074)),
		("Tianjin", "天津", (39.3434, 117.3616)),
		("Qingdao", "青岛", (36.0671, 120.3826)),
		("Jinan", "济南", (36.6512, 117.1201)),
	],
	"South China": [
		("Guangzhou", "广州", (23.1291, 113.2644)),
		("Shenzhen", "深圳", (22.5431, 114.0579)),
		("Dongguan", "东莞", (23.0205, 113.7518)),
		("Foshan", "佛山", (23.0215, 113.1214)),
		("Xiamen", "厦门", (24.4798, 118.0894)),
	],
	"Central & West China": [
		("Wuhan", "武汉", (30.5928, 114.3055)),
		("Chengdu", "成都", (30.5728, 104.0668)),
		("Chongqing", "重庆", (29.5630, 106.5516)),
		("Xi'an", "西安", (34.3416, 108.9398)),
		("Changsha", "长沙", (28.2282, 112.9388)),
	],
	"Northeast China": [
		("Shenyang", "沈阳", (41.8057, 123.4315)),
		("Dalian", "大连", (38.9140, 121.6147)),
		("Changchun", "长春", (43.8171, 125.3235)),
	],
}

# customer groups are the industries we sell to: name, Chinese word used in company names
CUSTOMER_GROUPS = [
	("Automotive Parts", "汽车零部件"),
	("Electronics Manufacturing", "电子科技"),
	("Food & Beverage", "食品"),
	("Packaging Machinery", "包装机械"),
	("Textiles", "纺织"),
	("Machine Builders", "精密机械"),
]

CUSTOMER_BRANDS = [
	"恒达", "华通", "永盛", "金鼎", "瑞丰", "东方", "新宇", "宏远", "力拓", "博晟", "中联", "鑫源",
	"天成", "广泰", "汇川", "凯旋", "安诺", "正泰", "联创", "兴业", "德润", "华瑞", "长青", "明珠",
	"伟业", "佳禾", "通达", "盛世", "同创", "晨光", "科达", "海纳", "远航", "宝丰", "嘉诚", "弘毅",
]  # fmt: skip

ROADS = [
	"工业大道",
	"科技路",
	"创业路",
	"滨海路",
	"高新大道",
	"开发区路",
	"产业园路",
	"新港路",
	"光明路",
	"环城北路",
]

# item groups and items: code, Chinese name, English name, group, price (CNY), typical quantity
ITEM_GROUPS = ["Servo Systems", "PLC & Controllers", "HMI & Displays", "Sensors & Vision", "Services"]
ITEMS = [
	("SRV-M750", "伺服电机 750W", "Servo Motor 750W", "Servo Systems", 2800, 20),
	("SRV-M2K", "伺服电机 2kW", "Servo Motor 2kW", "Servo Systems", 5600, 12),
	("SRV-D750", "伺服驱动器 750W", "Servo Drive 750W", "Servo Systems", 3200, 20),
	("SRV-D2K", "伺服驱动器 2kW", "Servo Drive 2kW", "Servo Systems", 6400, 12),
	("PLC-S200", "小型PLC控制器", "Compact PLC", "PLC & Controllers", 4500, 8),
	("PLC-M500", "中型PLC控制器", "Modular PLC", "PLC & Controllers", 18000, 4),
	("IO-16DI", "16点数字量输入模块", "16-point Digital Input Module", "PLC & Controllers", 1200, 16),
	("MC-8AX", "8轴运动控制器", "8-axis Motion Controller", "PLC & Controllers", 26000, 3),
	("HMI-7", "7寸触摸屏", "7-inch HMI", "HMI & Displays", 2600, 8),
	("HMI-12", "12寸触摸屏", "12-inch HMI", "HMI & Displays", 6800, 4),
	("SNS-PX", "接近传感器", "Proximity Sensor", "Sensors & Vision", 260, 120),
	("SNS-PH", "光电传感器", "Photoelectric Sensor", "Sensors & Vision", 380, 80),
	("ENC-2500", "增量编码器", "Incremental Encoder", "Sensors & Vision", 900, 30),
	("VIS-CAM", "工业视觉相机", "Industrial Vision Camera", "Sensors & Vision", 15000, 3),
	("SVC-COM", "现场调试服务(人天)", "Commissioning (person-day)", "Services", 2000, 10),
	("SVC-TRN", "操作培训", "Operator Training", "Services", 8000, 1),
	("SVC-AMC", "年度维保合同", "Annual Maintenance Contract", "Services", 36000, 1),
	("LINE-RETRO", "产线自动化改造项目", "Line Automation Retrofit", "Services", 380000, 1),
]

COMPETITORS = [
	("西门子 Siemens", "S7-1200 / V90"),
	("汇川技术 Inovance", "H5U / SV660"),
	("三菱电机 Mitsubishi", "FX5U / MR-J5"),
	("台达 Delta", "DVP-ES3 / ASDA-B3"),
	("ABB", "AC500 / MicroFlex"),
	("信捷 Xinje", "XD5 / DS5"),
]
CONCERNS = ["Price", "Quality", "Delivery", "Service", "Technology", "Brand", "Relationship"]
ADVANTAGES = [
	"本地工程师48小时到场,备件库在同城",
	"同型号在客户同行的产线稳定运行三年",
	"整体方案含调试和培训,总拥有成本更低",
	"Delivery in two weeks from our Shanghai stock",
	"Open protocol: works with the customer's existing PLCs",
	"交期比对手短四周,可分批交付",
]

# lost reasons (both doctypes: Opportunity Lost Reason and Quotation Lost Reason)
LOST_REASONS = {
	"price": "Price too high 价格偏高",
	"competitor": "Chose a competitor 选择了竞品",
	"budget": "No budget 预算取消",
	"tender": "Lost the tender 未中标",
	"delay": "Project postponed 项目推迟",
	"fit": "Requirement not met 需求不匹配",
	"silence": "No response from customer 客户无回应",
}
# objection type (the app's defaults) -> the lost reason it leads to
LOSS_FROM_OBJECTION = {
	"Too Expensive": "price",
	"Budget Insufficient": "budget",
	"Must Go to Tender": "tender",
	"Decision Delayed": "delay",
	"Key Contact Left": "silence",
	"Prefers Competitor": "competitor",
	"Technical Doubt": "fit",
}

# what customers say, by the app's default objection types; every phrase is classified by the
# app's own keywords (a site-free test checks each one lands on its type)
OBJECTION_PHRASES = {
	"Too Expensive": [
		"价格太贵了,比别的供应商高一截",
		"你们的报价太高,能不能再打折",
		"老板说价格太高,便宜点才能批",
		"The price is too high for this project",
		"Your quote is too expensive, we need a discount",
	],
	"Budget Insufficient": [
		"今年预算不足,只能先做一部分",
		"预算不够,明年看能不能申请",
		"公司资金紧张,项目没有预算了",
		"We have no budget left this year",
		"Budget cut: the project is over budget",
	],
	"Must Go to Tender": [
		"要走招标流程,下个月公开招标",
		"这个金额必须走招标",
		"集团规定要招投标",
		"Procurement says it has to go to tender",
		"We will issue an RFP next month",
	],
	"Decision Delayed": [
		"领导还没定,再考虑一下",
		"先放一放,明年再说",
		"项目推迟到下季度",
		"We need to postpone the decision to next year",
		"Management delayed the project",
	],
	"Key Contact Left": [
		"原来对接的采购经理离职了",
		"项目负责人换人了,要重新沟通",
		"Our project lead left the company",
		"There is a new manager in purchasing",
	],
	"Prefers Competitor": [
		"我们产线已经在用别家的产品",
		"其他厂家给了更好的方案",
		"We prefer the competitor's product",
		"We already use another brand on this line",
	],
	"Technical Doubt": [
		"担心和现有系统不兼容",
		"定位精度不够,达不到我们的要求",
		"上次试用时通讯不稳定",
		"Not compatible with our existing MES",
		"Your drive cannot meet our cycle time",
	],
}

# where in the deal each objection tends to come up (weights by stage band)
OBJECTION_WEIGHTS = {
	"early": {
		"Budget Insufficient": 3,
		"Decision Delayed": 2,
		"Prefers Competitor": 2,
		"Technical Doubt": 1.5,
		"Too Expensive": 1.5,
	},
	"middle": {
		"Technical Doubt": 2.5,
		"Prefers Competitor": 2,
		"Too Expensive": 2,
		"Must Go to Tender": 1.5,
		"Budget Insufficient": 1.5,
		"Key Contact Left": 0.5,
	},
	"late": {
		"Too Expensive": 4.5,
		"Must Go to Tender": 1.5,
		"Decision Delayed": 1.5,
		"Budget Insufficient": 1,
		"Prefers Competitor": 1,
		"Key Contact Left": 0.5,
	},
}

# visit notes that carry no objection (checked by a site-free test: no keyword of any type)
VISIT_NOTES = {
	"early": [
		"初次拜访,介绍了公司和主要产品线",
		"参观了客户车间,了解了现有设备情况",
		"和设备科长交流了产能提升的需求",
		"First meeting with the plant manager, introduced our servo range",
		"Walked the line with the maintenance team",
	],
	"middle": [
		"演示了样机,客户工程师反馈很好",
		"确认了产线节拍和控制点数",
		"和技术部讨论了方案细节,客户要求补充参数表",
		"Demo of the motion controller went well",
		"Reviewed the wiring plan with their engineers",
	],
	"late": [
		"讲解了报价构成和交付计划",
		"和采购确认了付款条件",
		"客户总经理参加了会议,认可我们的方案",
		"Walked through the quotation and delivery schedule",
		"Agreed the acceptance test plan",
	],
}
NEXT_STEPS = [
	"下周发技术方案",
	"安排样机测试",
	"约采购经理面谈",
	"整理会议纪要发给客户",
	"Send the revised quotation",
	"Book a reference visit",
]
REQUIREMENT_SUMMARIES = [
	"客户需要把两条装配线的伺服系统升级,提升节拍15%",
	"新建包装线需要PLC和触摸屏整体方案,年底前投产",
	"现有传感器故障率高,希望整体替换并加视觉检测",
	"The customer wants to replace the drives on three presses before the summer shutdown",
	"Retrofit of the filling line with motion control and an HMI per station",
]
WAIVER_REASONS = {
	"Decision Chain Mapping": [
		"老客户复购,决策人就是设备科长一人",
		"Repeat order under the framework agreement: single decision maker",
	],
	"Solution Match Verification": [
		"客户新产线首次采购这类产品,与历史采购不同是正常的",
		"New product line for this customer: no comparable purchase history",
	],
	"Contract Terms Consensus": [
		"框架合同已覆盖本次订单条款",
		"Terms covered by the signed framework agreement",
	],
	"Requirement Clarification": ["客户直接下单补货,无需单独确认需求"],
	"Competitor Response Record": ["竞品只是被顺口提到,客户并未询价"],
	"Risk Pre-registration": ["误报:客户说的是去年的预算"],
}
REVIEW_COMMENTS = [
	"电话确认了客户,拜访属实,客户地址在新厂区",
	"Called the customer: the visit happened at their second plant",
	"GPS漂移,和销售核实过",
	"已提醒销售到客户现场再签到",
]

SURNAMES = [
	("王", "wang"), ("李", "li"), ("张", "zhang"), ("刘", "liu"), ("陈", "chen"), ("杨", "yang"),
	("黄", "huang"), ("赵", "zhao"), ("吴", "wu"), ("周", "zhou"), ("徐", "xu"), ("孙", "sun"),
	("马", "ma"), ("朱", "zhu"), ("胡", "hu"), ("郭", "guo"), ("何", "he"), ("林", "lin"),
	("罗", "luo"), ("高", "gao"), ("郑", "zheng"), ("梁", "liang"), ("谢", "xie"), ("宋", "song"),
]  # fmt: skip
GIVEN_NAMES = [
	("伟", "wei", "Male"), ("芳", "fang", "Female"), ("娜", "na", "Female"), ("敏", "min", "Female"),
	("静", "jing", "Female"), ("强", "qiang", "Male"), ("磊", "lei", "Male"), ("军", "jun", "Male"),
	("洋", "yang", "Male"), ("勇", "yong", "Male"), ("艳", "yan", "Female"), ("杰", "jie", "Male"),
	("涛", "tao", "Male"), ("明", "ming", "Male"), ("超", "chao", "Male"), ("秀英", "xiuying", "Female"),
	("华", "hua", "Male"), ("平", "ping", "Female"), ("刚", "gang", "Male"), ("建华", "jianhua", "Male"),
	("晓东", "xiaodong", "Male"), ("海燕", "haiyan", "Female"), ("志强", "zhiqiang", "Male"),
	("丽娟", "lijuan", "Female"), ("子涵", "zihan", "Female"), ("浩然", "haoran", "Male"),
]  # fmt: skip
CONTACT_TITLES = ["总经理", "生产总监", "采购经理", "设备科长", "技术部经理", "财务总监"]
# decision-chain roles of the app's Decision Chain Mapping, in the order contacts are asked
DECISION_ROLES = ["Initiator", "Influencer", "Veto Holder", "Decision Maker"]
DEVICES = [
	"Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148 wxwork/4.1",
	"Mozilla/5.0 (Linux; Android 14; HUAWEI Mate 60) AppleWebKit/537.36 Chrome/120.0 Mobile DingTalk/7.5",
	"Mozilla/5.0 (Linux; Android 13; Xiaomi 14) AppleWebKit/537.36 Chrome/118.0 Mobile Safari/537.36",
]

# Chinese public holidays (State Council notices) on top of weekends; make-up working Saturdays are ignored
PUBLIC_HOLIDAYS = {
	2025: [
		("01-01", 1), ("01-28", 8), ("04-04", 3), ("05-01", 5), ("05-31", 3), ("10-01", 8),
	],
	2026: [
		("01-01", 3), ("02-15", 9), ("04-04", 3), ("05-01", 5), ("06-19", 3), ("09-25", 3), ("10-01", 7),
	],
}  # fmt: skip

# ---------------------------------------------------------------------------------------------
# lead intake 客户挖掘 (sales_process/demo/leads_plan.py)

# the channels leads come through, as ERPNext Lead Sources (the demo adds the ones ERPNext lacks):
# source name, what it is (the Lead Source's details)
LEAD_SOURCES = {
	"Website": "官网询盘表单 Enquiry form on our website",
	"Social Media": "微信公众号、视频号和抖音的留言 WeChat and Douyin messages",
	"Advertisement": "百度搜索推广的留言 Baidu search ads",
	"Exhibition": "展会上收集的名片 Business cards from trade fairs",
	"Cold Calling": "销售的电话陌拜 Reps' cold calls",
	"Referral": "老客户和合作伙伴转介绍 Introduced by customers and partners",
}

# industries a lead gives (ERPNext Industry Types; the demo adds the ones ERPNext lacks): name,
# the word in company names, a slug for mail domains, the customer group it buys as (None: a
# market we do not sell to). The demo's customer groups are its markets, and its pool criterion.
LEAD_INDUSTRIES = [
	("Automotive Parts", "汽车部件", "auto", "Automotive Parts"),
	("Electronics Manufacturing", "电子", "elec", "Electronics Manufacturing"),
	("Food & Beverage", "食品饮料", "food", "Food & Beverage"),
	("Packaging Machinery", "包装设备", "pack", "Packaging Machinery"),
	("Textiles", "纺织", "tex", "Textiles"),
	("Machine Builders", "机械", "mach", "Machine Builders"),
	("Retail & Wholesale", "商贸", "trade", None),
	("Real Estate", "置业", "estate", None),
	("Education", "教育科技", "edu", None),
	("Software", "软件", "soft", None),
	("Transportation", "物流", "logi", None),
	("Agriculture", "农业", "agri", None),
]

# brands of the companies that come in as leads (none is a customer's: see CUSTOMER_BRANDS)
LEAD_BRANDS = [
	("远大", "yuanda"), ("中科", "zhongke"), ("华美", "huamei"), ("金桥", "jinqiao"), ("新锐", "xinrui"),
	("恒信", "hengxin"), ("宏图", "hongtu"), ("卓越", "zhuoyue"), ("天润", "tianrun"), ("鸿运", "hongyun"),
	("百川", "baichuan"), ("九州", "jiuzhou"), ("星辰", "xingchen"), ("蓝海", "lanhai"), ("富安", "fuan"),
	("祥云", "xiangyun"), ("瑞达", "ruida"), ("华信", "huaxin"), ("东升", "dongsheng"), ("永泰", "yongtai"),
	("精诚", "jingcheng"), ("鼎盛", "dingsheng"), ("启航", "qihang"), ("锦程", "jincheng"), ("力源", "liyuan"),
	("昌盛", "changsheng"), ("腾飞", "tengfei"), ("亿达", "yida"), ("聚能", "juneng"), ("三维", "sanwei"),
	("领航", "linghang"), ("优创", "youchuang"),
]  # fmt: skip
COMPANY_SUFFIXES = ["有限公司", "有限公司", "股份有限公司", "科技有限公司", "实业有限公司"]
LEAD_TITLES = ["采购经理", "设备部经理", "生产总监", "技术总监", "总经理", "采购专员", "自动化工程师", "厂长"]
# personal mailboxes (social media leads often write from one)
FREE_MAIL_DOMAINS = ["163.example.com", "qq.example.com", "126.example.com"]

# trade fairs (an Exhibition campaign each year the story covers): code, Chinese name, first day
# (MM-DD), days
TRADE_FAIRS = [
	("SIAF", "广州国际工业自动化技术及装备展览会", "03-04", 3),
	("IAS", "北京国际工业自动化展", "05-20", 3),
	("CIIF", "中国国际工业博览会", "09-16", 5),
]
# campaigns of the other channels: a WeChat live stream series each quarter, Baidu ads each year
SOCIAL_CAMPAIGN = "视频号直播 WeChat Live {year} Q{quarter}"
SOCIAL_CAMPAIGN_TEXT = "每季度一场伺服选型和视觉检测的直播 Quarterly live streams on servo sizing and vision"
ADS_CAMPAIGN = "百度推广 Baidu Ads {year}"
ADS_CAMPAIGN_TEXT = "工业自动化关键词的百度搜索推广 Baidu search ads on automation keywords"
FAIR_CAMPAIGN_TEXT = "{zh} {year} 展位名片 Business cards from our booth"

# what leads write first, by channel: subject, message
LEAD_ENQUIRIES = {
	"Website": [
		("官网询价:伺服系统", "您好,我们在官网看到贵司的伺服系统,想了解750W和2kW两款的价格和交期。"),
		("官网留言:新产线PLC方案", "我们明年要上一条新的包装线,需要PLC和触摸屏的整体方案,请联系我。"),
		(
			"Website enquiry: motion control",
			"Hello, we are planning a new assembly line and would like a quotation for servo drives and a motion controller.",
		),
		(
			"Website enquiry: vision inspection",
			"We need vision inspection on our filling line. Could you send a proposal?",
		),
	],
	"Social Media": [
		("视频号留言:视觉检测", "看了你们视频号的视觉检测案例,我们产线也有类似需求,能发个资料吗?"),
		("公众号咨询", "你好,想了解一下你们的伺服电机,有没有选型手册?"),
		("抖音私信", "老师好,我们厂想做自动化改造,大概要多少钱?"),
		(
			"WeChat message",
			"Saw your live stream on servo sizing. Can you share the slides and a price list?",
		),
	],
	"Advertisement": [
		("百度推广留言:运动控制器", "想了解8轴运动控制器,请尽快联系我。"),
		("百度推广留言:触摸屏", "需要一批12寸触摸屏,请报价。"),
		("Search ad enquiry", "Please call me about PLC replacement for our old machines."),
	],
}
# what a lead writes later, and what the rep sends: subject, message
LEAD_MAILS_RECEIVED = [
	("回复:产品资料", "资料收到了,我们内部讨论一下,下周回复您。"),
	("回复:报价", "价格我们需要和领导汇报一下,另外交期能否再短一些?"),
	("关于样机测试", "能否安排一台样机到我们工厂测试?"),
	("Re: catalogue", "Thanks for the catalogue. Could you also quote the commissioning service?"),
	("Re: our call", "As discussed, attached is the layout of our line. Looking forward to your proposal."),
]
LEAD_MAILS_SENT = [
	("产品资料和参考报价", "您好,附件是产品目录和参考报价,方便的话约个时间电话沟通。"),
	("案例分享", "您好,附上我们在同行业的两个改造案例,供参考。"),
	("拜访预约", "您好,下周我在您附近,方便的话去贵司拜访交流。"),
	("Catalogue and references", "Please find our catalogue and two references from your industry attached."),
	("Follow-up", "Following up on your enquiry: when would be a good time for a short call?"),
]
# notes of a call, by how it went
LEAD_CALL_NOTES = {
	"first": [
		"首次电话沟通:客户计划明年扩产,对伺服系统有需求",
		"电话沟通:了解了客户现有设备和痛点,答应发资料",
		"展会后回访,客户对视觉相机有兴趣",
		"First call: they are replacing old drives next quarter",
	],
	"cold": [
		"陌拜电话:客户目前没有项目,同意加微信保持联系",
		"陌拜电话:设备科长愿意听介绍,约了发资料",
		"Cold call: plant manager open to a short presentation",
	],
	"later": [
		"电话跟进:客户在走内部立项流程",
		"电话跟进:确认了节拍和控制点数",
		"Follow-up call: they want a demo on site",
	],
}
LEAD_MEETINGS = [
	("技术交流会", "和客户技术部交流方案,介绍同行业案例"),
	("工厂参观", "参观客户车间,了解产线现状"),
	("在线演示 Online demo", "远程演示运动控制和触摸屏组态"),
	("方案沟通会", "和客户生产总监、采购一起沟通初步方案"),
]
REFERRAL_NOTES = ["老客户推荐", "合作伙伴介绍", "Introduced by an existing customer"]
