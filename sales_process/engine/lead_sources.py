"""Channel quality 渠道监控: which lead sources and campaigns bring leads worth the effort.

Per group (by source by default; any lead columns, e.g. campaign or a month the caller
derived from `created_on`): how many leads came, the share that entered the pool, their
average score, the median first response in working hours, the shares converted and won
(each a share of the group's leads, so sources compare from the same base), the amount won
and what a won deal cost.

A campaign's cost is spread over the groups by the campaign's leads in each, so grouping by
source still adds up to what was spent. The cost given is the cost to set against these leads
(the caller picks it for the period). A group's cost per won deal is unknown (None) when it
has no lead of a campaign with a known cost, when one of its campaigns has no cost (the sum
would be too low), or when it won nothing. Leads without a campaign add no cost.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

QUALITY_COLUMNS = [
	"leads",
	"pooled_pct",
	"average_score",
	"first_response_median_hours",
	"converted_pct",
	"won_pct",
	"won_amount",
	"cost",
	"cost_per_won",
]

# values that can be unknown, given as None rather than NaN (NaN is not JSON for the report)
_MAYBE_UNKNOWN = ("average_score", "first_response_median_hours", "cost", "cost_per_won")
_TOTAL = "__all__"


def source_quality(
	leads: pd.DataFrame, costs: pd.DataFrame | None = None, by: Sequence[str] = ("source",)
) -> pd.DataFrame:
	"""One row per group with the `QUALITY_COLUMNS`, groups sorted; no `by` gives one total row.

	`leads` has `lead`, the `by` columns and `pooled`, `score`, `first_response_hours`
	(None until contacted), `converted`, `won` (bools) and `won_amount`; `campaign` when
	`costs` (`campaign`, `cost`) are given. Percentages and averages have one decimal.
	"""
	by = list(by)
	if len(leads) == 0:
		return pd.DataFrame(columns=[*by, *QUALITY_COLUMNS])
	won = _flag(leads, "won")
	frame = pd.DataFrame(
		{
			"pooled": _flag(leads, "pooled"),
			"converted": _flag(leads, "converted"),
			"won": won,
			"score": _number(leads, "score"),
			"hours": _number(leads, "first_response_hours"),
			"won_amount": _number(leads, "won_amount").where(won, 0.0).fillna(0.0),
		},
		index=leads.index,
	)
	cost, uncosted, costed = _lead_costs(leads, costs)
	frame["cost"], frame["uncosted"], frame["costed"] = cost, uncosted, costed
	keys = by or [_TOTAL]
	for column in keys:
		frame[column] = leads[column] if by else _TOTAL

	grouped = frame.groupby(keys, sort=True, dropna=False)
	size = grouped.size()
	won_count = grouped["won"].sum()
	total_cost = grouped["cost"].sum()
	cost_known = grouped["costed"].any() & ~grouped["uncosted"].any()
	table = pd.DataFrame(
		{
			"leads": size.astype("int64"),
			"pooled_pct": _share(grouped["pooled"].sum(), size),
			"average_score": grouped["score"].mean().round(1),
			"first_response_median_hours": grouped["hours"].median().round(1),
			"converted_pct": _share(grouped["converted"].sum(), size),
			"won_pct": _share(won_count, size),
			"won_amount": grouped["won_amount"].sum().round(2),
			"cost": total_cost.where(cost_known).round(2),
			"cost_per_won": (total_cost / won_count).where(cost_known & (won_count > 0)).round(2),
		}
	)
	table = table.reset_index()
	if not by:
		table = table.drop(columns=[_TOTAL])
	for column in _MAYBE_UNKNOWN:
		table[column] = table[column].astype(object).where(table[column].notna(), None)
	return table[[*by, *QUALITY_COLUMNS]]


def _flag(leads: pd.DataFrame, column: str) -> pd.Series:
	if column not in leads.columns:
		return pd.Series(False, index=leads.index)
	return leads[column].astype(object).where(leads[column].notna(), False).astype(bool)


def _number(leads: pd.DataFrame, column: str) -> pd.Series:
	if column not in leads.columns:
		return pd.Series(np.nan, index=leads.index)
	return pd.to_numeric(leads[column], errors="coerce").astype("float64")


def _share(part: pd.Series, whole: pd.Series) -> pd.Series:
	return (100.0 * part / whole).round(1)


def _lead_costs(leads: pd.DataFrame, costs: pd.DataFrame | None) -> tuple[pd.Series, pd.Series, pd.Series]:
	"""Each lead's share of its campaign's cost; whether its campaign lacks a cost; whether it has one."""
	zero = pd.Series(0.0, index=leads.index)
	no = pd.Series(False, index=leads.index)
	if costs is None or "campaign" not in leads.columns:
		return zero, no, no
	campaign = leads["campaign"].astype(object)
	campaign = campaign.where(campaign.notna() & (campaign.astype(str).str.strip() != ""), None)
	has_campaign = campaign.notna()
	spent = pd.to_numeric(costs["cost"], errors="coerce") if len(costs) else pd.Series(dtype="float64")
	per_campaign = spent.groupby(costs["campaign"].astype(object)).sum(min_count=1) if len(costs) else spent
	campaign_cost = campaign.map(per_campaign).astype("float64")
	costed = has_campaign & campaign_cost.notna()
	leads_in_campaign = campaign.map(campaign.value_counts()).astype("float64")
	share = (campaign_cost / leads_in_campaign).where(costed, 0.0)
	return share, has_campaign & ~costed, costed
