"""Solution Match Verification: how much of a quotation the customer has bought before."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class MatchResult:
	# percent of distinct quoted items found in the purchase history; None when
	# there is nothing to compare (no quoted items, or a customer without history)
	ratio: float | None
	matched: tuple[str, ...]
	unmatched: tuple[str, ...]
	# the fact behind a missing ratio: True the customer bought before, False never did
	purchase_history: bool = False

	@property
	def has_history(self) -> bool:
		return self.purchase_history


def purchase_history_match(
	quoted_items: Iterable[str],
	purchased_items: Iterable[str],
	has_history: bool | None = None,
) -> MatchResult:
	"""Share of distinct quoted item codes the customer bought before (Sales Orders / Invoices).

	`purchased_items` may be limited to the quoted items (that is all the ratio
	needs); then say with `has_history` whether the customer bought anything at all.
	"""
	quoted = _distinct(quoted_items)
	purchased = set(_distinct(purchased_items))
	if has_history is None:
		has_history = bool(purchased)
	if not quoted or not has_history:
		return MatchResult(None, (), tuple(quoted), purchase_history=bool(has_history))
	matched = tuple(item for item in quoted if item in purchased)
	unmatched = tuple(item for item in quoted if item not in purchased)
	return MatchResult(
		round(100.0 * len(matched) / len(quoted), 2), matched, unmatched, purchase_history=True
	)


def _distinct(items: Iterable[str]) -> list[str]:
	seen: dict[str, None] = {}
	for item in items:
		if item:
			seen.setdefault(str(item).strip(), None)
	return [item for item in seen if item]
