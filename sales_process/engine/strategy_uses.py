"""Response strategies' uses for Objection Analysis at the scale of a year.

A strategy is used on a deal when it answers one of the deal's objections or risk signals. What
the Strategies view counts is one use per (deal, strategy): in the month of its first use (by
creation, then name), for the rep the first answer was assigned to, with the deal's outcome now
(Won when an order of it was submitted, Lost when it was lost or closed, else Open). Summed per
month, company, rep and strategy, a year of a large org is a few thousand rows instead of three
quarters of a million answers.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from sales_process.engine.objections_report import LOST, OPEN, WON
from sales_process.engine.rollup import Contribution, month_of

STRATEGY_ROLLUP_KEYS = ("month", "company", "rep", "strategy")
STRATEGY_ROLLUP_COUNTS = ("deals_used", "deals_won", "deals_lost", "still_open")
# a stored use of a strategy on a deal, beside the deal it belongs to
USE_FIELDS = ("strategy", "first_used_on", "company", "rep", "outcome")
OUTCOME_COUNT = {WON: "deals_won", LOST: "deals_lost", OPEN: "still_open"}


def deal_outcome(won: bool, lost: bool) -> str:
	"""The deal's stored outcome: a won deal is won even if it was lost before."""
	if won:
		return WON
	return LOST if lost else OPEN


def strategy_uses(answers: Iterable[Mapping], company: str | None, outcome: str) -> dict[str, dict]:
	"""{strategy: its use} from one deal's answers (name, creation, strategy, assigned_to): the
	first answer with the strategy gives the moment and the rep."""
	uses: dict[str, dict] = {}
	for answer in sorted(answers, key=lambda row: (row["creation"], row["name"])):
		strategy = answer.get("strategy")
		if strategy and strategy not in uses:
			uses[strategy] = {
				"strategy": strategy,
				"first_used_on": answer["creation"],
				"company": company or "",
				"rep": answer.get("assigned_to") or "",
				"outcome": outcome,
			}
	return uses


def strategy_contribution(use: Mapping) -> list[Contribution]:
	"""What a use adds to the monthly sums: one deal, counted by its outcome."""
	month = month_of(use.get("first_used_on"))
	if month is None or not use.get("strategy"):
		return []
	outcome = use.get("outcome") or OPEN
	counts = {"deals_used": 1, OUTCOME_COUNT.get(outcome, "still_open"): 1}
	key = (month, use.get("company") or "", use.get("rep") or "", use["strategy"])
	return [Contribution(key, counts)]
