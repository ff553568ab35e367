"""The six checkpoints of the seed model ("黄金六节点"), shipped as editable defaults."""

DEFAULT_CHECKPOINTS = [
	{
		"checkpoint_name": "Requirement Clarification",
		"sequence": 10,
		"description": "Within 48 hours of a stated purchase intent, confirm the requirement in writing with the customer.",
		"trigger": "Opportunity Created",
		"due_value": 48,
		"due_unit": "Hours",
		"gate": "Leave Stage",
		"gate_stage": "Needs Analysis",
		"evidence": [
			{
				"kind": "Attachment",
				"label": "the requirement confirmation signed by the customer",
				"min_count": 1,
			},
			{"kind": "Summary", "label": "a short summary of the customer's needs", "min_count": 10},
		],
	},
	{
		"checkpoint_name": "Solution Match Verification",
		"sequence": 20,
		"description": "Before a customised quotation is submitted, its items must match the customer's purchase history.",
		"trigger": "Before Quotation Submit",
		"due_value": 72,
		"due_unit": "Hours",
		"gate": "Submit Quotation",
		"evidence": [{"kind": "Purchase History Match", "label": "purchase history match", "min_ratio": 90}],
	},
	{
		"checkpoint_name": "Competitor Response Record",
		"sequence": 30,
		"description": "Within 24 hours of a competitor being named, record how we answer it.",
		"trigger": "Competitor Added",
		"due_value": 24,
		"due_unit": "Hours",
		"gate": "",
		"evidence": [
			{"kind": "Competitor Response", "label": "a Sales Competitor Response for the competitor"}
		],
	},
	{
		"checkpoint_name": "Decision Chain Mapping",
		"sequence": 40,
		"description": "In the proposal stage, mark who initiates, influences and can veto the decision, and attach the meeting minutes.",
		"trigger": "Enters Stage",
		"trigger_stage": "Proposal/Price Quote",
		"due_value": 5,
		"due_unit": "Working Days",
		"gate": "Leave Stage",
		"gate_stage": "Proposal/Price Quote",
		"evidence": [
			{
				"kind": "Decision Chain Roles",
				"label": "the decision chain",
				"min_count": 3,
				"required_roles": "Initiator, Influencer, Veto Holder",
			},
			{"kind": "Attachment", "label": "the meeting minutes", "min_count": 1},
		],
	},
	{
		"checkpoint_name": "Risk Pre-registration",
		"sequence": 50,
		"description": "When the customer signals a risk (budget insufficient, must go to tender, ...), register it with a response strategy at once.",
		"trigger": "Risk Signal",
		"due_value": 0,
		"due_unit": "Hours",
		"gate": "",
		"evidence": [{"kind": "Risk Strategy", "label": "a response strategy from the strategy library"}],
	},
	{
		"checkpoint_name": "Contract Terms Consensus",
		"sequence": 60,
		"description": "Before the Sales Order (contract) is submitted, attach the key-terms confirmation signed by the customer.",
		"trigger": "Before Sales Order Submit",
		"due_value": 72,
		"due_unit": "Hours",
		"gate": "Submit Sales Order",
		"evidence": [
			{
				"kind": "Attachment",
				"label": "the key-terms confirmation signed by the customer",
				"min_count": 1,
			}
		],
	},
]
