"""A deal's outcome, stored once where every report and the close-probability model read it.

Won: ERPNext marks the deal Converted when a Sales Order made from its quotation is submitted;
an order the process attributes to the deal without that link (it repeats the items of the
deal's open quotation) wins it too. Won again becomes open when the status leaves Converted (the
order was cancelled). Lost: the status became Lost or Closed. The moments are the Opportunity's
`sp_won_on` / `sp_lost_on`, and the deal's Stage Log rows follow the won state (Funnel Health
counts the entries of won deals).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from frappe.utils import now_datetime

from sales_process.adapters import opportunity
from sales_process.process import deal_rollup, objection_rollup, stage_rollup

WON_STATUS = "Converted"


@dataclass(frozen=True)
class DealFacts:
	rep: str | None
	company: str | None
	won: bool
	lost: bool


def deal_facts(reference_doctype: str, reference_name: str) -> DealFacts:
	if reference_doctype != opportunity.DOCTYPE:
		return DealFacts(None, None, False, False)
	values = opportunity.outcome_values(reference_name)
	if not values:
		return DealFacts(None, None, False, False)
	return DealFacts(values.rep, values.company, bool(values.won_on), bool(values.lost_on))


def follow_status(row, deal: DealFacts):
	"""A logged move of the status into or out of Converted, Lost or Closed."""
	if row.reference_doctype != opportunity.DOCTYPE:
		return
	won_now = row.to_status == WON_STATUS
	if won_now and not deal.won:
		mark_won(row.reference_name, row.changed_on)
	elif not won_now and row.from_status == WON_STATUS and deal.won:
		mark_open(row.reference_name)
	lost_now = row.to_status in opportunity.LOST_STATUSES
	if lost_now != deal.lost:
		opportunity.set_outcome(row.reference_name, lost_on=row.changed_on if lost_now else None)


def order_submitted(deal_name: str, at: datetime | None = None):
	"""A submitted Sales Order of the deal wins it, whether or not ERPNext marked it Converted."""
	facts = deal_facts(opportunity.DOCTYPE, deal_name)
	if not facts.won:
		mark_won(deal_name, at or now_datetime())
		# no logged move follows (after one, `stage_log` restamps them): the deal's objections no
		# longer put its amount at stake
		objection_rollup.restamp_deal(deal_name)


def order_cancelled(deal_name: str):
	"""A cancelled order reopens a deal ERPNext did not keep Converted."""
	facts = deal_facts(opportunity.DOCTYPE, deal_name)
	if facts.won and opportunity.status_of(deal_name) != WON_STATUS:
		mark_open(deal_name)
		objection_rollup.restamp_deal(deal_name)


def mark_won(deal_name: str, at: datetime):
	opportunity.set_outcome(deal_name, won_on=at, lost_on=None)
	stage_rollup.follow_deal(opportunity.DOCTYPE, deal_name, deal_won=1)
	deal_rollup.refresh([deal_name])


def mark_open(deal_name: str):
	opportunity.set_outcome(deal_name, won_on=None)
	stage_rollup.follow_deal(opportunity.DOCTYPE, deal_name, deal_won=0)
	deal_rollup.refresh([deal_name])


def backfill():
	"""Outcome moments for deals closed before they were stored, from their Stage Log."""
	opportunity.backfill_outcomes(WON_STATUS)
