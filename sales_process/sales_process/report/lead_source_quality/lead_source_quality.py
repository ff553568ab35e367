"""Lead Source Quality 渠道监控: which lead sources and campaigns bring leads worth the effort.

The leads that came in the period (by creation), per Lead Source, Campaign or both: how many,
the share that entered the pool, their average score, the median first response in working
hours (from entering the pool to the first reply, call, meeting or visit, by the company's
Holiday List), the shares converted to an Opportunity and won, and the amount won. Outcomes are
those of the period's leads whenever they happened (a cohort).

Won: an Opportunity made from the lead is won (a Sales Order of it was submitted: its stored
`sp_won_on`), or a submitted Sales Order was made from a quotation of the lead or of its
opportunities; the amount won is those orders' net total in company currency, each order once.

ERPNext v15's Campaign has no cost field, so the cost and the cost per won deal stay empty
(engine.lead_sources.source_quality computes them as soon as costs are given).

Row rules as everywhere: a rep sees the leads they own (Lead Owner, else whoever made the lead)
and their team's, a manager everyone's. The maths is engine.lead_sources."""

from __future__ import annotations

import frappe
import pandas as pd
from frappe import _
from frappe.query_builder.functions import Coalesce, NullIf
from frappe.utils import get_datetime

from sales_process.engine.alerts import working_hours_between
from sales_process.engine.lead_sources import source_quality
from sales_process.process import rule_book
from sales_process.process.report_scope import chosen, decimal_text, report_scope, restrict

BY_SOURCE, BY_CAMPAIGN, BY_BOTH = "Source", "Campaign", "Source and Campaign"
GROUPINGS = {BY_SOURCE: ["source"], BY_CAMPAIGN: ["campaign"], BY_BOTH: ["source", "campaign"]}
LEAD_COLUMNS = [
	"lead",
	"source",
	"campaign",
	"company",
	"pooled",
	"score",
	"scored",
	"pooled_on",
	"contacted_on",
]
BATCH = 2_000


def execute(filters=None):
	filters = frappe._dict(filters or {})
	group_by = chosen(filters, "group_by", "Group By", GROUPINGS, BY_SOURCE)
	scope = report_scope(filters)
	if scope.sees_nothing:
		return (
			columns(GROUPINGS[group_by], None),
			[],
			_("You have no leads to see with these filters."),
			None,
			[],
		)
	leads = lead_frame(scope_query(scope, filters))
	leads = add_outcomes(leads)
	by = GROUPINGS[group_by]
	currency = (
		frappe.get_cached_value("Company", scope.company, "default_currency") if scope.company else None
	)
	table = source_quality(leads, None, by=by)
	data = rows(table, by)
	totals = source_quality(leads, None, by=())
	return (
		columns(by, currency),
		data,
		message(),
		chart(data, by),
		report_summary(totals.to_dict("records")[0] if len(totals) else None, currency),
	)


# --- queries --------------------------------------------------------------------------------


def scope_query(scope, filters):
	lead = frappe.qb.DocType("Lead")
	query = (
		frappe.qb.from_(lead)
		.select(
			lead.name,
			lead.source,
			lead.campaign_name,
			lead.company,
			lead.sp_pooled,
			lead.sp_score,
			lead.sp_fingerprint.isnotnull(),
			lead.sp_pooled_on,
			lead.sp_first_contacted_on,
		)
		.where((lead.creation >= scope.start) & (lead.creation < scope.end))
	)
	query = restrict(
		query,
		scope,
		rep=Coalesce(NullIf(lead.lead_owner, ""), lead.owner),
		company=lead.company,
		territory=lead.territory,
	)
	if filters.get("source"):
		query = query.where(lead.source == filters.source)
	if filters.get("campaign"):
		query = query.where(lead.campaign_name == filters.campaign)
	return query


def lead_frame(query) -> pd.DataFrame:
	leads = pd.DataFrame([list(row) for row in query.run()], columns=LEAD_COLUMNS)
	for column in ("source", "campaign"):
		leads[column] = leads[column].fillna("")
	leads["pooled"] = leads["pooled"].fillna(0).astype(bool)
	leads["score"] = leads["score"].where(leads["scored"].astype(bool), None)
	leads["first_response_hours"] = [
		first_response_hours(pooled, contacted, company)
		for pooled, contacted, company in zip(leads.pooled_on, leads.contacted_on, leads.company, strict=True)
	]
	return leads


def first_response_hours(pooled_on, contacted_on, company) -> float | None:
	if pd.isna(pooled_on) or pd.isna(contacted_on):
		return None
	return working_hours_between(
		get_datetime(pooled_on), get_datetime(contacted_on), rule_book.holidays(company)
	)


def add_outcomes(leads: pd.DataFrame) -> pd.DataFrame:
	"""converted, won and won_amount per lead, read in batches of leads."""
	leads = leads.assign(converted=False, won=False, won_amount=0.0)
	if leads.empty:
		return leads
	names = leads["lead"].tolist()
	converted, won, amounts = set(), set(), {}
	for start in range(0, len(names), BATCH):
		batch = names[start : start + BATCH]
		c, w, a = outcomes(batch)
		converted |= c
		won |= w
		for lead, amount in a.items():
			amounts[lead] = amounts.get(lead, 0.0) + amount
	leads["converted"] = leads["lead"].isin(converted)
	leads["won"] = leads["lead"].isin(won | set(amounts))
	leads["won_amount"] = leads["lead"].map(amounts).fillna(0.0)
	return leads


def outcomes(names: list[str]) -> tuple[set[str], set[str], dict[str, float]]:
	opportunity = frappe.qb.DocType("Opportunity")
	quotation = frappe.qb.DocType("Quotation")
	order = frappe.qb.DocType("Sales Order")
	item = frappe.qb.DocType("Sales Order Item")
	deals = (
		frappe.qb.from_(opportunity)
		.select(opportunity.name, opportunity.party_name, opportunity.sp_won_on)
		.where((opportunity.opportunity_from == "Lead") & opportunity.party_name.isin(names))
		.run()
	)
	lead_of_deal = {deal: lead for deal, lead, _won_on in deals}
	converted = {lead for _deal, lead, _won_on in deals}
	# won: the deal's stored outcome (a Sales Order of it was submitted), as in every report
	won = {lead for _deal, lead, won_on in deals if won_on}
	condition = (quotation.quotation_to == "Lead") & quotation.party_name.isin(names)
	if lead_of_deal:
		condition = condition | quotation.opportunity.isin(list(lead_of_deal))
	quotes = (
		frappe.qb.from_(quotation)
		.select(quotation.name, quotation.quotation_to, quotation.party_name, quotation.opportunity)
		.where((quotation.docstatus == 1) & condition)
		.run()
	)
	lead_of_quote = {
		name: (party if quotation_to == "Lead" and party in set(names) else lead_of_deal.get(deal))
		for name, quotation_to, party, deal in quotes
	}
	lead_of_quote = {name: lead for name, lead in lead_of_quote.items() if lead}
	amounts: dict[str, float] = {}
	if lead_of_quote:
		orders = (
			frappe.qb.from_(item)
			.join(order)
			.on(item.parent == order.name)
			.select(order.name, item.prevdoc_docname, order.base_net_total)
			.distinct()
			.where((order.docstatus == 1) & item.prevdoc_docname.isin(list(lead_of_quote)))
			.run()
		)
		counted = set()
		for name, quote, total in orders:
			lead = lead_of_quote.get(quote)
			if lead and (lead, name) not in counted:
				counted.add((lead, name))
				amounts[lead] = amounts.get(lead, 0.0) + float(total or 0)
	return converted, won, amounts


# --- output ---------------------------------------------------------------------------------


def columns(by: list[str], currency: str | None) -> list[dict]:
	group = {
		"source": {
			"fieldname": "source",
			"label": _("Source"),
			"fieldtype": "Link",
			"options": "Lead Source",
			"width": 180,
		},
		"campaign": {
			"fieldname": "campaign",
			"label": _("Campaign"),
			"fieldtype": "Link",
			"options": "Campaign",
			"width": 180,
		},
	}
	money = {"fieldtype": "Currency"}  # the company's currency (the default one without a company filter)
	return [
		*(group[key] for key in by),
		{"fieldname": "leads", "label": _("Leads"), "fieldtype": "Int", "width": 80},
		{"fieldname": "pooled_pct", "label": _("Pooled %"), "fieldtype": "Percent", "width": 100},
		{
			"fieldname": "average_score",
			"label": _("Average Score"),
			"fieldtype": "Float",
			"precision": 1,
			"width": 110,
		},
		{
			"fieldname": "first_response_median_hours",
			"label": _("First Response Median (Working Hours)"),
			"fieldtype": "Float",
			"precision": 1,
			"width": 140,
		},
		{
			"fieldname": "converted_pct",
			"label": _("Converted to Opportunity %"),
			"fieldtype": "Percent",
			"width": 130,
		},
		{"fieldname": "won_pct", "label": _("Won %"), "fieldtype": "Percent", "width": 90},
		{"fieldname": "won_amount", "label": _("Won Amount"), "width": 130, **money},
		{"fieldname": "cost", "label": _("Cost"), "width": 110, **money},
		{"fieldname": "cost_per_won", "label": _("Cost per Won Deal"), "width": 130, **money},
	]


def rows(table: pd.DataFrame, by: list[str]) -> list[dict]:
	data = []
	for record in table.to_dict("records"):
		for key in by:
			record[f"{key}_label"] = record[key] or _("Not Set")
		data.append(
			{
				key: (None if isinstance(value, float) and pd.isna(value) else value)
				for key, value in record.items()
			}
		)
	return data


def group_label(row: dict, by: list[str]) -> str:
	return " · ".join(row[f"{key}_label"] for key in by)


def chart(data: list[dict], by: list[str]) -> dict | None:
	if not data:
		return None
	return {
		"data": {
			"labels": [group_label(row, by) for row in data],
			"datasets": [
				{"name": _("Pooled %"), "values": [row["pooled_pct"] for row in data]},
				{"name": _("Converted to Opportunity %"), "values": [row["converted_pct"] for row in data]},
				{"name": _("Won %"), "values": [row["won_pct"] for row in data]},
			],
		},
		"type": "bar",
		"fieldtype": "Percent",
	}


def message() -> str:
	return _(
		"Leads created in the period, with their outcomes whenever they happened. Pooled: meets the pool criteria of the company's Sales Lead Rule. Average score: over the scored leads. First response: working hours from entering the pool to the first reply, call, meeting or visit. Converted: an Opportunity was made from the lead. Won: a Sales Order of its Opportunity or of its quotations was submitted; won amount is those orders' net total. ERPNext's Campaign has no cost field, so cost per won deal stays empty."
	)


def report_summary(totals: dict | None, currency: str | None) -> list[dict]:
	if not totals:
		return []

	def shown(value):
		return "-" if value is None else value

	return [
		{"value": totals["leads"], "label": _("Leads"), "datatype": "Int", "indicator": "blue"},
		{"value": shown(totals["pooled_pct"]), "label": _("Pooled %"), "datatype": "Percent"},
		{
			"value": decimal_text(totals["first_response_median_hours"], 1),
			"label": _("First Response Median (Working Hours)"),
			"datatype": "Data",
			"indicator": "orange",
		},
		{"value": shown(totals["won_pct"]), "label": _("Won %"), "datatype": "Percent", "indicator": "green"},
		{
			"value": totals["won_amount"],
			"label": _("Won Amount"),
			"datatype": "Currency",
			"currency": currency,
		},
	]
