"""Everything the app knows about ERPNext's Opportunity lives here.

ERPNext's CRM module is deprecated; a Frappe CRM "CRM Deal" adapter can sit
beside this one by offering the same functions for its own doctype.
"""

from __future__ import annotations

import json
from collections.abc import Iterator

import frappe
from frappe.query_builder import Case
from frappe.query_builder.functions import Coalesce, Count, Max, NullIf
from frappe.utils import flt

from sales_process.engine.objections_report import item_groups_text
from sales_process.engine.rules import DealSnapshot
from sales_process.engine.stages import Position
from sales_process.process.guards import keep_stored

DOCTYPE = "Opportunity"
ITEM_DOCTYPE = "Opportunity Item"
# ERPNext's default for a new Opportunity's probability: not a rep's estimate
DEFAULT_PROBABILITY = 100
# what the deal has been (scope values, companies, conditions met): see DealSnapshot
MEMORY_FIELD = "sp_scope_seen"
COMPANIES_KEY = "company"
CONDITIONS_KEY = "conditions"
# set only by the server; whatever a request sends for them is replaced by the stored value
SERVER_FIELDS = (
	"sp_compliance",
	"sp_stage_entered_on",
	MEMORY_FIELD,
	"sp_stall_next_on",
	"sp_won_on",
	"sp_lost_on",
	# the close probability (process.win_scores)
	"sp_close_probability",
	"sp_probability_source",
	"sp_probability_reasons",
	"sp_scored_on",
)
REP_FIELD = "opportunity_owner"
# `sp_probability_source` of a close probability the company's Sales Win Model gave
SCORED_BY_MODEL = "Model"

# ERPNext field behind each scope dimension of a checkpoint
SCOPE_FIELDS = {
	"industry": "industry",
	"customer_group": "customer_group",
	"territory": "territory",
	"opportunity_type": "opportunity_type",
}


def snapshot(doc) -> DealSnapshot:
	memory = memory_of(doc)
	return DealSnapshot(
		stage=doc.get("sales_stage") or None,
		status=doc.get("status") or None,
		attributes=attributes(doc),
		competitors=frozenset(
			row.competitor for row in doc.get("competitors") or [] if row.get("competitor")
		),
		past_attributes={
			dimension: frozenset(memory.get(dimension) or ())
			for dimension in SCOPE_FIELDS
			if memory.get(dimension)
		},
		past_conditions=frozenset(memory.get(CONDITIONS_KEY) or ()),
	)


def attributes(doc) -> dict[str, str | None]:
	return {dimension: doc.get(fieldname) or None for dimension, fieldname in SCOPE_FIELDS.items()}


def memory_of(doc) -> dict[str, list[str]]:
	"""The stored memory of what the deal has been; a broken value reads as empty."""
	value = doc.get(MEMORY_FIELD)
	if isinstance(value, dict):
		return value
	try:
		memory = json.loads(value or "{}")
	except (TypeError, ValueError):
		return {}
	return memory if isinstance(memory, dict) else {}


def companies_of(doc, before=None) -> set[str]:
	"""Every company the deal is, was before this save, or ever was in."""
	companies = {doc.get("company"), *(memory_of(doc).get(COMPANIES_KEY) or ())}
	if before is not None:
		companies |= {before.get("company"), *(memory_of(before).get(COMPANIES_KEY) or ())}
	return {company for company in companies if company}


def position(doc) -> Position:
	return Position(doc.get("sales_stage") or None, doc.get("status") or None)


def rep(doc) -> str:
	"""The sales rep accountable for the deal."""
	return doc.get("opportunity_owner") or doc.get("owner") or frappe.session.user


def rep_column(deal):
	"""`rep` as a query term on the Opportunity table `deal`: its opportunity owner, else who created it."""
	return Coalesce(NullIf(deal.opportunity_owner, ""), deal.owner)


def customer(doc) -> str | None:
	if doc.get("opportunity_from") == "Customer":
		return doc.get("party_name")
	return None


def decision_roles(doc) -> tuple[str, ...]:
	"""Roles marked on a named person: a role without a contact or a name maps nobody."""
	return tuple(
		row.role
		for row in doc.get("sp_decision_makers") or []
		if row.get("role") and (row.get("contact") or (row.get("full_name") or "").strip())
	)


CLOSED_STATUSES = ("Lost", "Closed", "Converted")


def is_closed(doc) -> bool:
	return doc.get("status") in CLOSED_STATUSES


LOST_STATUSES = ("Lost", "Closed")


def is_lost(doc) -> bool:
	"""Lost or closed without an order: the process asks nothing more of it."""
	return doc.get("status") in LOST_STATUSES


def fill_base_amount(doc) -> None:
	"""The amount in the company currency, as ERPNext's form works it out. ERPNext v15 sets
	`base_opportunity_amount` only in the browser: a deal saved through REST, Data Import or a
	script would be worth nothing in every report and in the pipeline coverage."""
	doc.base_opportunity_amount = flt(
		flt(doc.opportunity_amount) * flt(doc.conversion_rate or 1), doc.precision("base_opportunity_amount")
	)


def deals_without_base_amount(companies: list[str]) -> list[str]:
	"""Deals of these companies with an amount but no amount in the company currency."""
	deal = frappe.qb.DocType(DOCTYPE)
	return (
		frappe.qb.from_(deal)
		.select(deal.name)
		.where(
			deal.company.isin(list(companies) or [""])
			& (deal.opportunity_amount > 0)
			& (Coalesce(deal.base_opportunity_amount, 0) == 0)
		)
		.run(pluck=True)
	)


def backfill_base_amount(names: list[str]) -> None:
	deal = frappe.qb.DocType(DOCTYPE)
	for start in range(0, len(names), 1000):
		(
			frappe.qb.update(deal)
			.set(
				deal.base_opportunity_amount,
				deal.opportunity_amount * Coalesce(NullIf(deal.conversion_rate, 0), 1),
			)
			.where(deal.name.isin(names[start : start + 1000]))
			.run()
		)


def keep_server_fields(doc, before):
	"""Fields only the server sets take their stored value, whatever the request sent."""
	keep_stored(doc, before, SERVER_FIELDS)
	if before is None:
		doc.set("sp_compliance", 0)


def remember(doc, before, conditions_met=()):
	"""Add what the deal is now (and was before this save) to its memory."""
	from sales_process.engine.rules import remembered_scope

	memory = memory_of(before) if before is not None else {}
	merged = remembered_scope(
		{key: values for key, values in memory.items() if key in SCOPE_FIELDS},
		attributes(before) if before is not None else None,
		attributes(doc),
	)
	companies = companies_of(doc, before)
	if companies:
		merged[COMPANIES_KEY] = sorted(companies)
	conditions = set(memory.get(CONDITIONS_KEY) or ()) | set(conditions_met)
	if conditions:
		merged[CONDITIONS_KEY] = sorted(conditions)
	doc.set(MEMORY_FIELD, json.dumps(merged, ensure_ascii=False, sort_keys=True))


def add_decision_makers(name: str, people: list[dict]) -> None:
	"""Append contact + role rows to the deal's decision chain (the rep's write permission applies)."""
	doc = load(name)
	known = {(row.contact, row.role) for row in doc.get("sp_decision_makers") or []}
	for person in people:
		if (person.get("contact"), person.get("role")) in known:
			continue
		doc.append(
			"sp_decision_makers",
			{key: person.get(key) for key in ("contact", "full_name", "role", "attitude") if person.get(key)},
		)
	doc.save()


def load(name: str):
	return frappe.get_doc(DOCTYPE, name)


LIGHT_FIELDS = (
	"name",
	"company",
	"sales_stage",
	"status",
	"owner",
	"opportunity_owner",
	"opportunity_from",
	"party_name",
	MEMORY_FIELD,
	*SCOPE_FIELDS.values(),
)


def light_values(name: str) -> frappe._dict:
	"""What `snapshot`, `rep` and `customer` read, without loading the whole document."""
	values = frappe.db.get_value(DOCTYPE, name, LIGHT_FIELDS, as_dict=True)
	if not values:
		frappe.throw(
			frappe._("{0} {1} does not exist.").format(frappe._(DOCTYPE), name), frappe.DoesNotExistError
		)
	detail = frappe.qb.DocType("Competitor Detail")
	values.competitors = (
		frappe.qb.from_(detail)
		.select(detail.competitor)
		.where(
			(detail.parenttype == DOCTYPE) & (detail.parent == name) & (detail.parentfield == "competitors")
		)
		.run(as_dict=True)
	)
	return values


def of_quotation(quotation) -> set[str]:
	"""Every Opportunity a Quotation names, in its header or in its items."""
	names = {quotation.get("opportunity")} if quotation.get("opportunity") else set()
	names.update(
		item.prevdoc_docname
		for item in quotation.get("items") or []
		if item.get("prevdoc_doctype") == DOCTYPE and item.get("prevdoc_docname")
	)
	return names


def quotations_of_sales_order(sales_order) -> set[str]:
	return {item.prevdoc_docname for item in sales_order.get("items") or [] if item.get("prevdoc_docname")}


def of_sales_order(sales_order) -> set[str]:
	"""Every Opportunity behind a Sales Order, through the Quotations it was made from."""
	quotations = list(quotations_of_sales_order(sales_order))
	if not quotations:
		return set()
	names = set(
		frappe.get_all(
			"Quotation",
			filters={"name": ("in", quotations), "opportunity": ("is", "set")},
			pluck="opportunity",
		)
	)
	names.update(
		frappe.get_all(
			"Quotation Item",
			filters={
				"parent": ("in", quotations),
				"prevdoc_doctype": DOCTYPE,
				"prevdoc_docname": ("is", "set"),
			},
			pluck="prevdoc_docname",
			distinct=True,
		)
	)
	return names


def open_quotation_copied_by(sales_order) -> tuple[str, str] | None:
	"""(quotation, opportunity) for a Sales Order with no quotation link whose items all come from
	one of the customer's submitted, not yet fully ordered Quotations made from an Opportunity.

	Removing the link (or never setting it) must not take an order out of its deal's gates.
	"""
	items = {item.item_code for item in sales_order.get("items") or [] if item.get("item_code")}
	customer = sales_order.get("customer")
	if not items or not customer:
		return None
	quotation = frappe.qb.DocType("Quotation")
	item = frappe.qb.DocType("Quotation Item")
	rows = (
		frappe.qb.from_(item)
		.join(quotation)
		.on(item.parent == quotation.name)
		.select(quotation.name, quotation.opportunity)
		.where(
			(quotation.quotation_to == "Customer")
			& (quotation.party_name == customer)
			& (quotation.docstatus == 1)
			& quotation.status.isin(["Open", "Replied", "Partially Ordered"])
			& quotation.opportunity.isnotnull()
			& (quotation.opportunity != "")
			& item.item_code.isin(list(items))
		)
		.groupby(quotation.name, quotation.opportunity)
		.having(Count(item.item_code).distinct() == len(items))
		.orderby(quotation.transaction_date, order=frappe.qb.desc)
		.limit(1)
		.run()
	)
	return (rows[0][0], rows[0][1]) if rows else None


def add_competitor(name: str, competitor: str) -> bool:
	"""Name a competitor on the deal (ERPNext shows its table only for lost deals); True if added."""
	doc = load(name)
	if competitor in snapshot(doc).competitors:
		return False
	doc.append("competitors", {"competitor": competitor})
	doc.save()
	return True


def stage_field_changed(doc) -> bool:
	return doc.has_value_changed("sales_stage")


def outcome_values(name: str) -> frappe._dict | None:
	"""Rep, company and the stored outcome moments of a deal (one indexed read)."""
	return outcome_values_of([name]).get(name)


def outcome_values_of(names: list[str]) -> dict[str, frappe._dict]:
	deal = frappe.qb.DocType(DOCTYPE)
	rows = (
		frappe.qb.from_(deal)
		.select(deal.name, rep_column(deal).as_("rep"), deal.company, deal.sp_won_on, deal.sp_lost_on)
		.where(deal.name.isin(list(names) or [""]))
		.run(as_dict=True)
	)
	return {
		row.name: frappe._dict(rep=row.rep, company=row.company, won_on=row.sp_won_on, lost_on=row.sp_lost_on)
		for row in rows
	}


def set_outcome(name: str, **moments):
	"""Store `won_on` / `lost_on` (server fields; the form's save keeps them)."""
	frappe.db.set_value(
		DOCTYPE, name, {f"sp_{key}": value for key, value in moments.items()}, update_modified=False
	)


def status_of(name: str) -> str | None:
	return frappe.db.get_value(DOCTYPE, name, "status")


def funnel_facts_of(names: list[str]) -> dict[str, tuple[str | None, str | None, bool]]:
	"""(rep, company, won) of many deals at once, for restamping their Stage Log rows."""
	deal = frappe.qb.DocType(DOCTYPE)
	rows = (
		frappe.qb.from_(deal)
		.select(deal.name, deal.opportunity_owner, deal.owner, deal.company, deal.sp_won_on)
		.where(deal.name.isin(names))
		.run()
	)
	return {name: (rep or owner, company, bool(won_on)) for name, rep, owner, company, won_on in rows}


def backfill_outcomes(won_status: str):
	"""`sp_won_on` / `sp_lost_on` of closed deals that lack them: their last logged move into the
	status (set-based: one UPDATE each)."""
	deal = frappe.qb.DocType(DOCTYPE)
	log = frappe.qb.DocType("Sales Stage Log")
	for field, statuses in (("sp_won_on", [won_status]), ("sp_lost_on", list(LOST_STATUSES))):
		last_move = (
			frappe.qb.from_(log)
			.select(Max(log.changed_on))
			.where(
				(log.reference_doctype == DOCTYPE)
				& (log.reference_name == deal.name)
				& log.to_status.isin(statuses)
			)
		)
		(
			frappe.qb.update(deal)
			# a function keeps the subquery in brackets
			.set(deal[field], Coalesce(last_move, deal.modified))
			.where(deal.status.isin(statuses) & deal[field].isnull())
			.run()
		)


def objection_values(name: str) -> frappe._dict | None:
	"""What a deal's objections carry for the reports: company, stage now, lost, open, amount."""
	return objection_values_of([name]).get(name)


def objection_values_of(names: list[str]) -> dict[str, frappe._dict]:
	deal = frappe.qb.DocType(DOCTYPE)
	rows = (
		frappe.qb.from_(deal)
		.select(
			deal.name,
			deal.company,
			deal.sales_stage,
			deal.status,
			deal.sp_won_on,
			deal.sp_lost_on,
			deal.base_opportunity_amount,
			deal.opportunity_amount,
			deal.conversion_rate,
		)
		.where(deal.name.isin(list(names) or [""]))
		.run(as_dict=True)
	)
	groups = item_groups_of_deals(names)
	return {
		row.name: frappe._dict(
			company=row.company,
			item_groups=item_groups_text(groups.get(row.name, ())),
			stage=row.sales_stage,
			lost=bool(row.sp_lost_on) or row.status in LOST_STATUSES,
			# an order the process attributed wins a deal whose status ERPNext left open
			open=is_scorable(row),
			# ERPNext fills the base amount only in the form; an API-made deal has amount × rate
			amount=float(row.base_opportunity_amount or 0)
			or float(row.opportunity_amount or 0) * float(row.conversion_rate or 1),
		)
		for row in rows
	}


def item_groups_of_deals(names: list[str]) -> dict[str, set[str]]:
	"""{deal: the item groups of its items} (a deal without items is absent)."""
	item = frappe.qb.DocType(ITEM_DOCTYPE)
	rows = (
		frappe.qb.from_(item)
		.select(item.parent, item.item_group)
		.distinct()
		.where((item.parenttype == DOCTYPE) & item.parent.isin(list(names) or [""]))
		.run()
	)
	groups: dict[str, set[str]] = {}
	for parent, group in rows:
		if group:
			groups.setdefault(parent, set()).add(group)
	return groups


def item_groups(doc) -> str:
	"""A deal document's item groups, as its objections carry them."""
	return item_groups_text(row.get("item_group") for row in doc.get("items") or [])


def value_changed(doc, before) -> bool:
	"""The deal's amount, company or item groups changed (what its objections put at stake, and
	where)."""
	return any(
		doc.get(field) != before.get(field)
		for field in ("base_opportunity_amount", "opportunity_amount", "conversion_rate", "company")
	) or item_groups(doc) != item_groups(before)


# close probability (issue 8): the facts of many deals the model reads, and where its score lives

# child tables whose rows are facts with a moment (a competitor named, a decision maker marked)
TIMED_TABLES = {"competitors": "Competitor Detail", "sp_decision_makers": "Sales Decision Maker"}


def stamp_new_child_rows(doc, before) -> None:
	"""A row added to a timed table in this save is created now; a stored row keeps its moment.

	Frappe gives every new child row its parent's creation, so without this a competitor named
	in month three would read as named when the deal was created (the model would learn from the
	future), and a request could back-date a row.
	"""
	if before is None:
		return
	for table in TIMED_TABLES:
		stored = {row.name: row.creation for row in before.get(table) or []}
		for row in doc.get(table) or []:
			row.creation = stored.get(row.name) or doc.modified


# the score's fields: only the server writes them (they are in SERVER_FIELDS)
CLOSE_PROBABILITY = "sp_close_probability"
PROBABILITY_SOURCE = "sp_probability_source"
PROBABILITY_REASONS = "sp_probability_reasons"
SCORED_ON = "sp_scored_on"
WIN_DEAL_COLUMNS = (
	"deal",
	"created_on",
	"amount",
	"customer",
	"won_on",
	"lost_on",
	"stage",
	"status",
	"probability",
	"company",
	"lead_score",
)


def win_deal_rows(
	*,
	company: str | None = None,
	names: list[str] | None = None,
	closed_only: bool = False,
	open_only: bool = False,
	after: str | None = None,
	limit: int | None = None,
) -> list[tuple]:
	"""Deals as the close-probability model reads them, one tuple per deal in `WIN_DEAL_COLUMNS`
	order, by name. Amount in the company currency; customer only for a deal made for a Customer;
	lead score only when the deal was made from a scored lead (its grade is set), else None.
	`after` + `limit` page through a company by name."""
	deal = frappe.qb.DocType(DOCTYPE)
	fields = [
		deal.name,
		deal.creation,
		deal.base_opportunity_amount,
		deal.opportunity_amount,
		deal.conversion_rate,
		deal.opportunity_from,
		deal.party_name,
		deal.sp_won_on,
		deal.sp_lost_on,
		deal.sales_stage,
		deal.status,
		deal.probability,
		deal.company,
	]
	has_score = frappe.db.has_column(DOCTYPE, "sp_lead_score")
	has_grade = has_score and frappe.db.has_column(DOCTYPE, "sp_lead_grade")
	if has_score:
		fields.append(deal.sp_lead_score)
	if has_grade:
		fields.append(deal.sp_lead_grade)
	query = frappe.qb.from_(deal).select(*fields).orderby(deal.name)
	if company is not None:
		query = query.where(deal.company == company)
	if names is not None:
		query = query.where(deal.name.isin(list(names) or [""]))
	if closed_only:
		query = query.where(deal.sp_won_on.isnotnull() | deal.sp_lost_on.isnotnull())
	if open_only:
		query = query.where(open_deal_condition(deal))
	if after is not None:
		query = query.where(deal.name > after)
	if limit:
		query = query.limit(limit)
	rows = []
	for row in query.run():
		(name, created, base_amount, amount, rate, party_type, party, won_on, lost_on) = row[:9]
		stage, status, probability, deal_company = row[9:13]
		score = row[13] if has_score else None
		graded = bool(row[14]) if has_grade else bool(score)
		rows.append(
			(
				name,
				created,
				float(base_amount or 0) or float(amount or 0) * float(rate or 1),
				party if party_type == "Customer" else None,
				won_on,
				lost_on,
				stage or None,
				status,
				probability,
				deal_company,
				float(score) if graded and score is not None else None,
			)
		)
	return rows


def open_deal_condition(deal):
	"""Open: not lost, closed or converted, and no outcome stored."""
	return deal.status.notin(list(CLOSED_STATUSES)) & deal.sp_won_on.isnull() & deal.sp_lost_on.isnull()


def open_statuses() -> list[str]:
	"""The statuses of the Opportunity's options that are not closed: `status IN` these reads an
	index on (…, status, sales_stage, …) as ranges, `NOT IN` the closed ones as a scan."""
	options = frappe.get_meta(DOCTYPE).get_field("status").options or ""
	return [status for status in options.split("\n") if status and status not in CLOSED_STATUSES]


def is_scorable(doc) -> bool:
	"""An open deal (no outcome): the ones that get a close probability."""
	return not is_closed(doc) and not doc.get("sp_won_on") and not doc.get("sp_lost_on")


def timed_rows(table: str, names: list[str]) -> list[dict]:
	"""Rows of a timed child table of these deals: parent, creation, modified and the row's
	facts (competitor; role, attitude, whether a person is named)."""
	child = frappe.qb.DocType(TIMED_TABLES[table])
	facts = (
		[child.competitor]
		if table == "competitors"
		else [child.role, child.attitude, child.contact, child.full_name]
	)
	return (
		frappe.qb.from_(child)
		.select(child.parent, child.creation, child.modified, *facts)
		.where(
			(child.parenttype == DOCTYPE)
			& (child.parentfield == table)
			& child.parent.isin(list(names) or [""])
		)
		.run(as_dict=True)
	)


def quotation_rows(names: list[str]) -> list[dict]:
	"""Submitted Quotations made from these deals: deal, name, creation, date and payment terms."""
	quotation = frappe.qb.DocType("Quotation")
	return (
		frappe.qb.from_(quotation)
		.select(
			quotation.opportunity.as_("deal"),
			quotation.name,
			quotation.creation,
			quotation.transaction_date,
			quotation.payment_terms_template,
		)
		.where(quotation.opportunity.isin(list(names) or [""]) & (quotation.docstatus == 1))
		.run(as_dict=True)
	)


def submitted_orders_of(names: list[str]) -> list[tuple[str, str]]:
	"""(deal, Sales Order) for the submitted orders made from these deals' Quotations."""
	quotation = frappe.qb.DocType("Quotation")
	order_item = frappe.qb.DocType("Sales Order Item")
	order = frappe.qb.DocType("Sales Order")
	return (
		frappe.qb.from_(quotation)
		.join(order_item)
		.on(order_item.prevdoc_docname == quotation.name)
		.join(order)
		.on(order.name == order_item.parent)
		.select(quotation.opportunity, order.name)
		.distinct()
		.where(quotation.opportunity.isin(list(names) or [""]) & (order.docstatus == 1))
		.run()
	)


def store_score(name: str, values: dict) -> None:
	"""Write the score fields (server fields: a form's save keeps them) without touching `modified`."""
	frappe.db.set_value(DOCTYPE, name, values, update_modified=False)


def stored_scores(names: list[str]) -> dict[str, dict]:
	"""{deal: its stored score fields} for these deals."""
	deal = frappe.qb.DocType(DOCTYPE)
	rows = (
		frappe.qb.from_(deal)
		.select(deal.name, deal.sp_close_probability, deal.sp_probability_source, deal.sp_probability_reasons)
		.where(deal.name.isin(list(names) or [""]))
		.run(as_dict=True)
	)
	return {row.pop("name"): row for row in rows}


def score_values(name: str) -> frappe._dict | None:
	return frappe.db.get_value(
		DOCTYPE,
		name,
		[CLOSE_PROBABILITY, PROBABILITY_SOURCE, PROBABILITY_REASONS, SCORED_ON, "company", "sales_stage"],
		as_dict=True,
	)


def open_deal_names(company: str, after: str = "", limit: int = 2000) -> list[str]:
	"""A page of a company's open deals, by name."""
	deal = frappe.qb.DocType(DOCTYPE)
	return (
		frappe.qb.from_(deal)
		.select(deal.name)
		.where((deal.company == company) & open_deal_condition(deal) & (deal.name > after))
		.orderby(deal.name)
		.limit(limit)
		.run(pluck=True)
	)


def history_values_of(names: list[str]) -> list[frappe._dict]:
	"""What a deal's history facts (process.deal_rollup) read from the deal itself: creation,
	company, rep, stage now, the stored outcome moments, the amount in company currency, the
	status, its own probability and its close probability when the model scored it."""
	deal = frappe.qb.DocType(DOCTYPE)
	return (
		frappe.qb.from_(deal)
		.select(
			deal.name,
			deal.creation,
			deal.company,
			rep_column(deal).as_("rep"),
			deal.sales_stage,
			deal.sp_won_on,
			deal.sp_lost_on,
			deal.base_opportunity_amount,
			deal.status,
			deal.probability,
			Case()
			.when(deal.sp_probability_source == SCORED_BY_MODEL, deal.sp_close_probability)
			.as_("model_probability"),
		)
		.where(deal.name.isin(list(names) or [""]))
		.run(as_dict=True)
	)


def submitted_quotation_counts(names: list[str]) -> dict[str, int]:
	"""{deal: how many submitted Quotations were made from it}."""
	quotation = frappe.qb.DocType("Quotation")
	rows = (
		frappe.qb.from_(quotation)
		.select(quotation.opportunity, Count(quotation.name))
		.where(quotation.opportunity.isin(list(names) or [""]) & (quotation.docstatus == 1))
		.groupby(quotation.opportunity)
		.run()
	)
	return {name: int(count) for name, count in rows}


def deal_name_batches(size: int = 2000) -> Iterator[list[str]]:
	"""Every deal's name, a page at a time in name order (a rebuild)."""
	deal = frappe.qb.DocType(DOCTYPE)
	last = ""
	while names := (
		frappe.qb.from_(deal)
		.select(deal.name)
		.where(deal.name > last)
		.orderby(deal.name)
		.limit(size)
		.run(pluck=True)
	):
		yield names
		last = names[-1]
