"""Default objection types (with their keywords in Chinese and English) and response strategies.

Types marked `raises_risk` are the seed's risk signals ("预算不足", "要招标"): text
matching them raises a Sales Risk Signal and starts Risk Pre-registration.
"""

DEFAULT_STRATEGIES = [
	{
		"strategy_name": "Value Over Price",
		"applies_to": "Objection",
		"playbook": "Rebuild the total cost of ownership with the customer: downtime, service, lifetime. Never discount first.",
	},
	{
		"strategy_name": "Phase the Budget",
		"applies_to": "Objection and Risk",
		"playbook": "Split the project into phases that fit this year's budget; secure a signed phase 1.",
	},
	{
		"strategy_name": "Shape the Tender",
		"applies_to": "Risk",
		"playbook": "Get the technical specification written around our strengths before the tender is published.",
	},
	{
		"strategy_name": "Reach the Decision Maker",
		"applies_to": "Objection and Risk",
		"playbook": "Ask the sponsor for a meeting with the person who signs; map the decision chain.",
	},
	{
		"strategy_name": "Reference Visit",
		"applies_to": "Objection",
		"playbook": "Take the customer to a reference plant running the same line.",
	},
]

DEFAULT_OBJECTION_TYPES = [
	{
		"type_name": "Too Expensive",
		"category": "Price",
		"default_strategy": "Value Over Price",
		"keywords": "太贵\n价格太高\n贵了\n便宜点\n打折\ntoo expensive\ntoo high\ndiscount\ncheaper",
	},
	{
		"type_name": "Budget Insufficient",
		"category": "Budget",
		"raises_risk": 1,
		"default_strategy": "Phase the Budget",
		"keywords": "预算不足\n没有预算\n预算不够\n资金紧张\nno budget\nbudget cut\nover budget",
	},
	{
		"type_name": "Must Go to Tender",
		"category": "Process",
		"raises_risk": 1,
		"default_strategy": "Shape the Tender",
		"keywords": "要招标\n走招标\n公开招标\n招投标\ntender\nbidding\nrfp",
	},
	{
		"type_name": "Decision Delayed",
		"category": "Timing",
		"raises_risk": 1,
		"default_strategy": "Reach the Decision Maker",
		"keywords": "再考虑\n明年再说\n以后再说\n推迟\n领导还没定\nnext year\npostpone\ndelayed",
	},
	{
		"type_name": "Key Contact Left",
		"category": "Authority",
		"raises_risk": 1,
		"default_strategy": "Reach the Decision Maker",
		"keywords": "离职\n换人了\n调岗\nleft the company\nnew manager",
	},
	{
		"type_name": "Prefers Competitor",
		"category": "Competition",
		"default_strategy": "Reference Visit",
		"keywords": "竞品\n别家\n其他厂家\n已经在用\ncompetitor\nalready use",
	},
	{
		"type_name": "Technical Doubt",
		"category": "Technical",
		"default_strategy": "Reference Visit",
		"keywords": "不兼容\n达不到\n不稳定\n精度不够\nnot compatible\nunstable\ncannot meet",
	},
]
