"""The close-probability engine's input frames (engine.win_features), read from the database.

One company's closed deals for training, or a few open deals for scoring: each kind of fact is
read with `frappe.qb` for a batch of deals at a time (indexed on the deal), never with string SQL.
The moments each fact carries:

- a deal: its creation; won / lost at `sp_won_on` / `sp_lost_on` (process.outcomes: won = a
  Sales Order of the deal was submitted);
- stage moves: Sales Stage Log `changed_on`;
- checkpoint records: triggered, due, completed and waived times; a Cancelled record has no
  stamp of its own, so its `modified` is taken as the moment it was cancelled (nothing better is
  stored; a later edit of a cancelled record would move it later, never earlier);
- risk signals: creation, and `closed_on` (stamped when the status leaves Open; `modified` for
  a signal closed before that stamp existed, as the v0_7 patch fills it);
- objections: creation, with their type's category today;
- competitors and decision makers: the row's creation, stamped with the save that added it
  (`adapters.opportunity.stamp_new_child_rows`). A row that reads as created with the deal but was saved since may have
  been added later: for a competitor its Competitor Response Record's trigger time or its Sales
  Competitor Response's creation is used when earlier than the row's last save, else that save;
  for a decision maker its last save (never earlier than the truth, so no look-ahead);
- visits: check-in time and geofence result;
- quotations: submitted ones only, at their creation (Frappe keeps no submission time; a draft
  submitted days later counts from when it was drafted); payment terms are the template's name,
  else a fingerprint of the payment schedule (term, share, days after the quotation date);
- repeat customer: the customer's first submitted Sales Order of the company, at the earlier of
  its creation and the end of its date (an order imported later keeps its date).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, time, timedelta

import frappe
import pandas as pd
from frappe.query_builder.functions import Min

from sales_process.adapters import opportunity
from sales_process.engine import win_features as features
from sales_process.engine.triggers import COMPETITOR_PREFIX

RECORD = "Sales Checkpoint Record"
CANCELLED = "Cancelled"
# deals per query of their facts (an IN list the index answers)
CHUNK = 1000
# deals read per page of a company
PAGE = 20_000
# a child row created within this of its deal was (at the time) given the deal's creation by Frappe
SAME_MOMENT = timedelta(seconds=1)


# the frames


def training_frames(company: str) -> dict:
	"""Everything `win_training.fit_and_evaluate` reads, for the company's closed deals."""
	rows = []
	after = ""
	while True:
		page = opportunity.win_deal_rows(company=company, closed_only=True, after=after, limit=PAGE)
		rows += page
		if len(page) < PAGE:
			break
		after = page[-1][0]
	return frames_of(deal_frame(rows))


def scoring_frames(names: list[str]) -> dict:
	"""The frames of these deals (open ones are scored; closed ones are read as they are)."""
	return frames_of(deal_frame(opportunity.win_deal_rows(names=names)))


def deal_frame(rows: list[tuple]) -> pd.DataFrame:
	"""`DEAL_COLUMNS` (+ stage, status, probability, company) from `opportunity.win_deal_rows`."""
	frame = pd.DataFrame(rows, columns=list(opportunity.WIN_DEAL_COLUMNS))
	won = frame["won_on"].notna()
	lost = ~won & frame["lost_on"].notna()
	frame["outcome"] = None
	frame.loc[won, "outcome"] = features.WON
	frame.loc[lost, "outcome"] = features.LOST
	frame["closed_on"] = frame["won_on"].where(won, frame["lost_on"].where(lost))
	for column in ("created_on", "closed_on"):
		frame[column] = pd.to_datetime(frame[column], errors="coerce")
	frame["amount"] = pd.to_numeric(frame["amount"], errors="coerce")
	frame["lead_score"] = pd.to_numeric(frame["lead_score"], errors="coerce")
	return frame[[*features.DEAL_COLUMNS, "stage", "status", "probability", "company"]]


def frames_of(deals: pd.DataFrame) -> dict:
	"""The fact frames of `deals` (a `deal_frame`), read in batches of deals."""
	names = deals["deal"].tolist()
	created = dict(zip(names, deals["created_on"], strict=True))
	parts: dict[str, list] = {key: [] for key in FACT_READERS}
	for chunk in chunks(names, CHUNK):
		for key, reader in FACT_READERS.items():
			parts[key] += reader(chunk, created)
	frames = {
		key: pd.DataFrame(parts[key], columns=COLUMNS[key]) if parts[key] else None for key in FACT_READERS
	}
	# a deal made from a lead has no customer (NaN in the frame, and NaN is truthy)
	customers = sorted({customer for customer in deals["customer"] if isinstance(customer, str) and customer})
	companies = sorted({company for company in deals["company"] if isinstance(company, str) and company})
	return {
		"deals": deals,
		"stages": stages_frame(),
		**frames,
		"customer_orders": customer_orders(customers, companies),
	}


def chunks(values: list, size: int) -> Iterable[list]:
	for start in range(0, len(values), size):
		yield values[start : start + size]


def stages_frame() -> pd.DataFrame:
	stage = frappe.qb.DocType("Sales Stage")
	rows = frappe.qb.from_(stage).select(stage.name, stage.sp_sequence, stage.sp_probability).run()
	return pd.DataFrame(rows, columns=features.STAGE_COLUMNS)


# each kind of fact for a batch of deals: rows in its engine columns


def _moves(names, created):
	log = frappe.qb.DocType("Sales Stage Log")
	return (
		frappe.qb.from_(log)
		.select(log.reference_name, log.changed_on, log.from_stage, log.to_stage, log.seconds_in_previous)
		.where((log.reference_doctype == opportunity.DOCTYPE) & log.reference_name.isin(names))
		.orderby(log.reference_name)
		.orderby(log.changed_on)
		.orderby(log.creation)
		.run()
	)


def _records(names, created):
	record = frappe.qb.DocType(RECORD)
	rows = (
		frappe.qb.from_(record)
		.select(
			record.reference_name,
			record.checkpoint,
			record.triggered_on,
			record.due_on,
			record.completed_on,
			record.waived_on,
			record.status,
			record.modified,
		)
		.where((record.reference_doctype == opportunity.DOCTYPE) & record.reference_name.isin(names))
		.run()
	)
	return [
		(deal, checkpoint, triggered, due, completed, waived, modified if status == CANCELLED else None)
		for deal, checkpoint, triggered, due, completed, waived, status, modified in rows
	]


def _risks(names, created):
	signal = frappe.qb.DocType("Sales Risk Signal")
	rows = (
		frappe.qb.from_(signal)
		.select(signal.reference_name, signal.creation, signal.closed_on, signal.status, signal.modified)
		.where((signal.reference_doctype == opportunity.DOCTYPE) & signal.reference_name.isin(names))
		.run()
	)
	return [
		(deal, raised, closed_on or (modified if (status or "Open") != "Open" else None))
		for deal, raised, closed_on, status, modified in rows
	]


def _objections(names, created):
	objection = frappe.qb.DocType("Sales Objection")
	kind = frappe.qb.DocType("Sales Objection Type")
	return (
		frappe.qb.from_(objection)
		.left_join(kind)
		.on(kind.name == objection.objection_type)
		.select(objection.reference_name, objection.creation, kind.category)
		.where((objection.reference_doctype == opportunity.DOCTYPE) & objection.reference_name.isin(names))
		.run()
	)


def _competitors(names, created):
	rows = opportunity.timed_rows("competitors", names)
	unsure = [row for row in rows if _unsure(row, created)]
	earliest = _competitor_moments({row.parent for row in unsure}) if unsure else {}
	result = []
	for row in rows:
		added_on = row.creation
		if _unsure(row, created):
			known = earliest.get((row.parent, row.competitor))
			added_on = min(known, row.modified) if known else row.modified
		result.append((row.parent, added_on))
	return result


def _decision_makers(names, created):
	result = []
	for row in opportunity.timed_rows("sp_decision_makers", names):
		if not row.role or not (row.contact or (row.full_name or "").strip()):
			continue  # a role on nobody maps nobody (as the checkpoint counts it)
		added_on = row.modified if _unsure(row, created) else row.creation
		result.append((row.parent, row.role, row.attitude, added_on))
	return result


def _unsure(row, created) -> bool:
	"""Created with the deal by Frappe's rule, but saved since: when it was added is not stored."""
	deal_created = created.get(row.parent)
	if deal_created is None or pd.isna(deal_created) or row.creation is None:
		return False
	close_to_creation = abs(pd.Timestamp(row.creation) - pd.Timestamp(deal_created)) <= SAME_MOMENT
	return close_to_creation and row.modified is not None and row.modified - row.creation > SAME_MOMENT


def _competitor_moments(deals: set[str]) -> dict[tuple[str, str], datetime]:
	"""(deal, competitor) → the earliest trace of its naming: its Competitor Response Record's
	trigger, or its Sales Competitor Response."""
	names = sorted(deals)
	record = frappe.qb.DocType(RECORD)
	rows = (
		frappe.qb.from_(record)
		.select(record.reference_name, record.trigger_key, record.triggered_on)
		.where(
			(record.reference_doctype == opportunity.DOCTYPE)
			& record.reference_name.isin(names)
			& record.trigger_key.like(f"{COMPETITOR_PREFIX}%")
		)
		.run()
	)
	moments: dict[tuple[str, str], datetime] = {}

	def keep(key, at):
		if at is not None and (key not in moments or at < moments[key]):
			moments[key] = at

	for deal, trigger_key, triggered in rows:
		keep((deal, trigger_key[len(COMPETITOR_PREFIX) :]), triggered)
	response = frappe.qb.DocType("Sales Competitor Response")
	for deal, competitor, created in (
		frappe.qb.from_(response)
		.select(response.reference_name, response.competitor, response.creation)
		.where((response.reference_doctype == opportunity.DOCTYPE) & response.reference_name.isin(names))
		.run()
	):
		keep((deal, competitor), created)
	return moments


def _visits(names, created):
	visit = frappe.qb.DocType("Sales Visit Log")
	return (
		frappe.qb.from_(visit)
		.select(visit.reference_name, visit.check_in_time, visit.geofence_result)
		.where(
			(visit.reference_doctype == opportunity.DOCTYPE)
			& visit.reference_name.isin(names)
			& visit.check_in_time.isnotnull()
		)
		.run()
	)


def _quotations(names, created):
	quotations = opportunity.quotation_rows(names)
	without_template = [row.name for row in quotations if not row.payment_terms_template]
	schedules = _schedules(without_template) if without_template else {}
	result = []
	for row in quotations:
		if row.payment_terms_template:
			terms = f"template:{row.payment_terms_template}"
		else:
			terms = _fingerprint(schedules.get(row.name) or [], row.transaction_date)
		result.append((row.deal, row.creation, terms))
	return result


def _schedules(quotations: list[str]) -> dict[str, list]:
	schedule = frappe.qb.DocType("Payment Schedule")
	rows = (
		frappe.qb.from_(schedule)
		.select(
			schedule.parent, schedule.payment_term, schedule.invoice_portion, schedule.due_date, schedule.idx
		)
		.where((schedule.parenttype == "Quotation") & schedule.parent.isin(quotations))
		.orderby(schedule.parent)
		.orderby(schedule.idx)
		.run()
	)
	by_quotation: dict[str, list] = {}
	for parent, term, portion, due_date, _idx in rows:
		by_quotation.setdefault(parent, []).append((term, portion, due_date))
	return by_quotation


def _fingerprint(rows: list, quotation_date) -> str | None:
	"""The payment schedule as terms, shares and days after the quotation's date ('' = none stated)."""
	if not rows:
		return None
	parts = []
	for term, portion, due_date in rows:
		days = (due_date - quotation_date).days if due_date and quotation_date else ""
		parts.append(f"{term or ''}|{float(portion or 0):.4f}|{days}")
	return "schedule:" + ";".join(parts)


FACT_READERS = {
	"moves": _moves,
	"records": _records,
	"risks": _risks,
	"objections": _objections,
	"competitors": _competitors,
	"decision_makers": _decision_makers,
	"visits": _visits,
	"quotations": _quotations,
}
COLUMNS = {
	"moves": [*features.MOVE_COLUMNS, "seconds_in_previous"],
	"records": features.RECORD_COLUMNS,
	"risks": features.RISK_COLUMNS,
	"objections": features.OBJECTION_COLUMNS,
	"competitors": features.COMPETITOR_COLUMNS,
	"decision_makers": features.DECISION_MAKER_COLUMNS,
	"visits": features.VISIT_COLUMNS,
	"quotations": features.QUOTATION_COLUMNS,
}


def customer_orders(customers: list[str], companies: list[str]) -> pd.DataFrame | None:
	"""Each customer's first submitted Sales Order in these companies (`CUSTOMER_ORDER_COLUMNS`)."""
	if not customers or not companies:
		return None
	order = frappe.qb.DocType("Sales Order")
	rows = []
	for chunk in chunks(customers, CHUNK):
		rows += (
			frappe.qb.from_(order)
			.select(order.customer, Min(order.creation), Min(order.transaction_date))
			.where(order.customer.isin(chunk) & order.company.isin(companies) & (order.docstatus == 1))
			.groupby(order.customer)
			.run()
		)
	firsts = []
	for customer, first_created, first_date in rows:
		end_of_date = datetime.combine(first_date, time.max) if first_date else None
		moments = [moment for moment in (first_created, end_of_date) if moment is not None]
		if moments:
			firsts.append((customer, min(moments)))
	return pd.DataFrame(firsts, columns=features.CUSTOMER_ORDER_COLUMNS) if firsts else None


# finance in the same system


def paid_won_deals(won: list[str]) -> int:
	"""Won deals whose submitted Sales Orders are fully invoiced and whose submitted Sales Invoices
	against them have nothing outstanding."""
	orders_of: dict[str, set[str]] = {}
	for chunk in chunks(won, CHUNK):
		for deal, order_name in opportunity.submitted_orders_of(chunk):
			orders_of.setdefault(deal, set()).add(order_name)
	orders = sorted({name for names in orders_of.values() for name in names})
	billed, unpaid, invoiced = set(), set(), set()
	order = frappe.qb.DocType("Sales Order")
	invoice = frappe.qb.DocType("Sales Invoice")
	item = frappe.qb.DocType("Sales Invoice Item")
	for chunk in chunks(orders, CHUNK):
		billed.update(
			frappe.qb.from_(order)
			.select(order.name)
			.where(order.name.isin(chunk) & (order.per_billed >= 99.99))
			.run(pluck=True)
		)
		for order_name, outstanding in (
			frappe.qb.from_(item)
			.join(invoice)
			.on(invoice.name == item.parent)
			.select(item.sales_order, invoice.outstanding_amount)
			.distinct()
			.where(item.sales_order.isin(chunk) & (invoice.docstatus == 1))
			.run()
		):
			invoiced.add(order_name)
			if float(outstanding or 0) > 0:
				unpaid.add(order_name)
	return sum(
		1
		for names in orders_of.values()
		if names and all(name in billed and name in invoiced and name not in unpaid for name in names)
	)
