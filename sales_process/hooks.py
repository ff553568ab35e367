app_name = "sales_process"
app_title = "Sales Process"
app_publisher = "sales_process developers"
app_description = (
	"Sales process control for ERPNext: configurable checkpoints with evidence, deadlines and gates"
)
app_email = "dev@sales-process.invalid"
app_license = "mit"

required_apps = ["frappe/erpnext"]

after_install = "sales_process.setup.install.after_install"
after_migrate = "sales_process.setup.install.after_migrate"
before_uninstall = "sales_process.setup.install.before_uninstall"
before_tests = "sales_process.testing.before_tests"

# the filters the reports share (a plain file: no build step)
app_include_js = ["/assets/sales_process/js/sales_process_reports.js"]

doctype_list_js = {"Sales Stage": "public/js/sales_stage_list.js", "Lead": "public/js/lead_list.js"}

doctype_js = {
	"Opportunity": ["public/js/checkpoint_panel.js", "public/js/opportunity.js"],
	"Quotation": ["public/js/checkpoint_panel.js", "public/js/quotation.js"],
	"Sales Order": ["public/js/checkpoint_panel.js", "public/js/sales_order.js"],
	"Sales Checkpoint Record": "public/js/checkpoint_panel.js",
	"Lead": "public/js/lead.js",
}

doc_events = {
	"Opportunity": {
		"validate": "sales_process.events.opportunity.validate",
		"on_change": "sales_process.events.opportunity.on_change",
		"after_delete": "sales_process.events.opportunity.after_delete",
	},
	"Quotation": {
		"validate": "sales_process.events.quotation.validate",
		"on_update": "sales_process.events.quotation.on_update",
		"before_submit": "sales_process.events.quotation.before_submit",
		"on_submit": "sales_process.events.quotation.on_submit",
		"before_cancel": "sales_process.events.quotation.before_cancel",
		"on_cancel": "sales_process.events.quotation.on_cancel",
		"on_trash": "sales_process.events.quotation.on_trash",
	},
	"Sales Order": {
		"validate": "sales_process.events.sales_order.validate",
		"on_update": "sales_process.events.sales_order.on_update",
		"before_submit": "sales_process.events.sales_order.before_submit",
		"on_submit": "sales_process.events.sales_order.on_submit",
		"before_cancel": "sales_process.events.sales_order.before_cancel",
		"on_cancel": "sales_process.events.sales_order.on_cancel",
		"on_trash": "sales_process.events.sales_order.on_trash",
	},
	"Sales Stage": {
		"on_change": "sales_process.events.sales_stage.on_change",
		"on_trash": "sales_process.events.sales_stage.on_change",
	},
	"Address": {
		"validate": "sales_process.events.address.validate",
	},
	"Sales Person": {
		"on_update": "sales_process.permissions.forget_teams",
		"on_trash": "sales_process.permissions.forget_teams",
	},
	"Employee": {
		"on_update": "sales_process.permissions.forget_teams",
	},
	"ToDo": {
		"on_update": "sales_process.events.todo.on_update",
	},
	"Comment": {
		"after_insert": "sales_process.events.comment.after_insert",
	},
	"Communication": {
		"after_insert": [
			"sales_process.events.communication.after_insert",
			"sales_process.events.lead.communication_after_insert",
		],
	},
	"Lead": {
		"validate": "sales_process.events.lead.validate",
		"onload": "sales_process.events.lead.onload",
	},
	"Event": {
		"on_update": "sales_process.events.lead.event_on_update",
	},
	"Call Log": {
		"on_update": "sales_process.events.lead.call_log_on_update",
	},
	"Sales Visit Log": {
		"on_update": "sales_process.events.lead.visit_on_update",
	},
}

override_doctype_dashboards = {"Opportunity": "sales_process.events.opportunity.dashboard"}

# evidence files are refused before Frappe's File touches the disk (see the module's docstring)
override_doctype_class = {"File": "sales_process.overrides.file.EvidenceAwareFile"}

scheduler_events = {
	"hourly": ["sales_process.tasks.hourly", "sales_process.tasks.first_response_alerts"],
	"daily": [
		"sales_process.tasks.reconcile_stage_logs",
		"sales_process.tasks.refresh_strategy_statistics",
		"sales_process.tasks.daily_digest",
		"sales_process.tasks.recompute_lead_scores",
	],
	"weekly": ["sales_process.tasks.weekly_training_push"],
	"weekly_long": ["sales_process.tasks.train_win_models"],
	"daily_long": ["sales_process.tasks.score_open_deals"],
}

permission_query_conditions = {
	"Sales Checkpoint Record": "sales_process.permissions.record_query_conditions",
	"Sales Competitor Response": "sales_process.permissions.competitor_response_query_conditions",
	"Sales Objection": "sales_process.permissions.objection_query_conditions",
	"Sales Risk Signal": "sales_process.permissions.risk_signal_query_conditions",
	"Sales Visit Log": "sales_process.permissions.visit_query_conditions",
	"Sales Stage Log": "sales_process.permissions.stage_log_query_conditions",
	"Sales Process Alert": "sales_process.permissions.alert_query_conditions",
}

has_permission = {
	"Sales Checkpoint Record": "sales_process.permissions.record_has_permission",
	"Sales Competitor Response": "sales_process.permissions.record_has_permission",
	"Sales Objection": "sales_process.permissions.record_has_permission",
	"Sales Risk Signal": "sales_process.permissions.record_has_permission",
	"Sales Visit Log": "sales_process.permissions.visit_has_permission",
	"Sales Stage Log": "sales_process.permissions.stage_log_has_permission",
	"Sales Process Alert": "sales_process.permissions.alert_has_permission",
	"File": "sales_process.permissions.file_has_permission",
}
