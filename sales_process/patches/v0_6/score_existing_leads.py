"""Lead intake arrives: score the existing leads of every enrolled company that has an enabled Sales
Lead Rule, a batch at a time (committed per batch), and sort the Lead list by score.

On a site upgraded to this version no rule exists yet, so this scores nothing: the first rule a
manager saves re-scores its company's leads in a background job, the same way. Leads pooled by
this backfill get a first-response deadline only if they came in during the last days
(process.leads.HORIZON_DAYS), so old leads raise no alerts."""

from sales_process.process import leads


def execute():
	from sales_process.setup.indexes import add_report_indexes
	from sales_process.setup.install import make_custom_fields
	from sales_process.setup.permissions import set_properties

	# post_model_sync, but the Lead fields, sort and indexes must exist before leads are scored
	make_custom_fields()
	set_properties()
	add_report_indexes()
	leads.forget_rules()
	leads.recompute(commit=True)
