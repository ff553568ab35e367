"""Fields the app adds to ERPNext doctypes: defined once, created on install and
migrate, removed on uninstall. Every fieldname starts with `sp_`."""

CUSTOM_FIELDS = {
	"Sales Stage": [
		{
			"fieldname": "sp_sequence",
			"fieldtype": "Int",
			"label": "Order",
			"insert_after": "stage_name",
			"in_list_view": 1,
			"description": "Position in the sales process; moving to a higher order is progress.",
		},
		{
			"fieldname": "sp_probability",
			"fieldtype": "Percent",
			"label": "Default Probability",
			"insert_after": "sp_sequence",
			"in_list_view": 1,
		},
		{
			"fieldname": "sp_stall_hours",
			"fieldtype": "Float",
			"label": "Stall Limit (Hours)",
			"insert_after": "sp_probability",
			"non_negative": 1,
			"description": "A deal in this stage longer than this is stalled.",
		},
	],
	"Opportunity": [
		{
			"fieldname": "sp_section",
			"fieldtype": "Section Break",
			"label": "Sales Process",
			"insert_after": "probability",
			"collapsible": 0,
		},
		{
			"fieldname": "sp_checkpoint_panel",
			"fieldtype": "HTML",
			"label": "Checkpoints",
			"insert_after": "sp_section",
		},
		{
			"fieldname": "sp_column",
			"fieldtype": "Column Break",
			"insert_after": "sp_checkpoint_panel",
		},
		{
			"fieldname": "sp_compliance",
			"fieldtype": "Percent",
			"label": "Process Compliance",
			"insert_after": "sp_column",
			"read_only": 1,
			"no_copy": 1,
			# the panel shows it, with "nothing due yet" where this column can only hold 0
			"hidden": 1,
		},
		{
			"fieldname": "sp_stage_entered_on",
			"fieldtype": "Datetime",
			"label": "In Current Stage Since",
			"insert_after": "sp_compliance",
			"read_only": 1,
			"no_copy": 1,
		},
		{
			"fieldname": "sp_decision_chain_section",
			"fieldtype": "Section Break",
			"label": "Decision Chain",
			"insert_after": "sp_stage_entered_on",
			"collapsible": 1,
		},
		{
			"fieldname": "sp_decision_makers",
			"fieldtype": "Table",
			"label": "Decision Makers",
			"options": "Sales Decision Maker",
			"insert_after": "sp_decision_chain_section",
		},
	],
	"Quotation": [
		{
			"fieldname": "sp_match_ratio",
			"fieldtype": "Percent",
			"label": "Purchase History Match",
			"insert_after": "order_type",
			"read_only": 1,
			# 0 also stands for "no purchase history to compare", which is not a result to show
			"depends_on": "eval:doc.sp_match_ratio",
			"no_copy": 1,
			"allow_on_submit": 1,
			"description": "Share of the quoted items this customer bought before (Sales Orders and Sales Invoices).",
		},
	],
	"Address": [
		{
			"fieldname": "sp_location_section",
			"fieldtype": "Section Break",
			"label": "Site Location",
			"insert_after": "disabled",
			"collapsible": 1,
			"description": "The centre of the visit geofence. Pick it on the map or type the coordinates.",
		},
		{
			"fieldname": "sp_location",
			"fieldtype": "Geolocation",
			"label": "Map",
			"insert_after": "sp_location_section",
		},
		{
			"fieldname": "sp_column",
			"fieldtype": "Column Break",
			"insert_after": "sp_location",
		},
		{
			"fieldname": "sp_latitude",
			"fieldtype": "Float",
			"label": "Latitude",
			"insert_after": "sp_column",
			"precision": "6",
		},
		{
			"fieldname": "sp_longitude",
			"fieldtype": "Float",
			"label": "Longitude",
			"insert_after": "sp_latitude",
			"precision": "6",
		},
	],
}
