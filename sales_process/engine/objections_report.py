"""Objection analysis: what customers object to, how much is at stake, and which answers win.

The report hands over objections already counted per objection type and deal (and per stage or
item group when broken down), so a frame has one row per (keys…, deal) with:

- objections: how many objections of that group were raised on the deal (a row with deal None
  holds the objections raised on no deal),
- deal_status: the deal's status now (ERPNext Opportunity status),
- amount: the deal's amount in company currency.

Value at stake = the amounts of the group's *open* deals, each deal counted once per group.
Lost share = objections whose deal ended Lost ÷ objections raised on a deal.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import date

import pandas as pd

from sales_process.engine.rollup import Contribution, month_of

LOST_STATUS = "Lost"
WON_STATUS = "Converted"
CLOSED_STATUSES = ("Lost", "Closed", "Converted")
WON, LOST, OPEN = "Won", "Lost", "Open"

SUMMARY_COLUMNS = ["objections", "deals", "value_at_stake", "on_deals", "lost_objections", "lost_share"]


def _has_deal(deals: pd.Series) -> pd.Series:
	return deals.notna() & deals.astype(str).ne("")


def _share(numerator, denominator):
	numerator = pd.Series(numerator, dtype="float64")
	denominator = pd.Series(denominator, dtype="float64")
	return (100.0 * numerator / denominator.where(denominator > 0)).round(1)


def summarize(pairs: pd.DataFrame, by: Sequence[str]) -> pd.DataFrame:
	"""Objections, deals, value at stake and lost share per group of `by` (all rows when empty)."""
	by = list(by)
	frame = pairs.copy()
	frame["objections"] = pd.to_numeric(frame["objections"]).fillna(0).astype("int64")
	frame["amount"] = pd.to_numeric(frame["amount"]).fillna(0.0).astype("float64")
	with_deal = _has_deal(frame["deal"])
	is_open = with_deal & ~frame["deal_status"].isin(CLOSED_STATUSES)
	frame["on_deals"] = frame["objections"].where(with_deal, 0)
	frame["lost_objections"] = frame["objections"].where(with_deal & frame["deal_status"].eq(LOST_STATUS), 0)
	# each deal once per group, however many objections (or rows) it has there
	first_of_deal = with_deal & ~frame.duplicated(subset=[*by, "deal"])
	frame["deal_once"] = first_of_deal.astype("int64")
	frame["value_at_stake"] = frame["amount"].where(first_of_deal & is_open, 0.0)
	sums = ["objections", "deal_once", "value_at_stake", "on_deals", "lost_objections"]
	if by:
		table = frame.groupby(by, sort=True, dropna=False)[sums].sum().reset_index()
	else:
		table = frame[sums].sum().to_frame().T
		table[["objections", "deal_once", "on_deals", "lost_objections"]] = table[
			["objections", "deal_once", "on_deals", "lost_objections"]
		].astype("int64")
	table = table.rename(columns={"deal_once": "deals"})
	table["value_at_stake"] = table["value_at_stake"].astype("float64").round(2)
	table["lost_share"] = _share(table["lost_objections"], table["on_deals"]).to_numpy()
	return table.reset_index(drop=True)


def overall(pairs: pd.DataFrame) -> dict:
	"""The whole selection: objections, deals affected, value at stake (each deal once), lost share."""
	if pairs.empty:
		return {"objections": 0, "deals": 0, "value_at_stake": 0.0, "lost_share": None}
	# no grouping: a deal with objections of two types is one deal at stake
	row = summarize(pairs, []).iloc[0]
	return {
		"objections": int(row["objections"]),
		"deals": int(row["deals"]),
		"value_at_stake": float(row["value_at_stake"]),
		"lost_share": None if pd.isna(row["lost_share"]) else float(row["lost_share"]),
	}


def type_ranking(pairs: pd.DataFrame, top_n: int) -> pd.DataFrame:
	"""Objection types ranked by count and by value at stake; the top N of either ranking."""
	return rank_types(summarize(pairs, ["objection_type"]), top_n)


def rank_types(table: pd.DataFrame, top_n: int) -> pd.DataFrame:
	"""Rank a per-type summary (objections, value_at_stake …) by count and by value at stake and
	keep the top N of either ranking.

	Ranks are competition ranks (1, 2, 2, 4): ties share a rank. A type with nothing at stake is
	not "top by value". Rows come in count order (then value, then name).
	"""
	table = table.copy()
	if table.empty:
		return table.assign(rank_by_count=pd.Series(dtype="int64"), rank_by_value=pd.Series(dtype="int64"))
	table["rank_by_count"] = table["objections"].rank(method="min", ascending=False).astype("int64")
	table["rank_by_value"] = table["value_at_stake"].rank(method="min", ascending=False).astype("int64")
	top_n = max(int(top_n or 0), 1)
	keep = (table["rank_by_count"] <= top_n) | (
		(table["value_at_stake"] > 0) & (table["rank_by_value"] <= top_n)
	)
	table = table[keep]
	table = table.assign(_name=table["objection_type"].fillna("").astype(str))
	table = table.sort_values(
		["rank_by_count", "rank_by_value", "_name"], ascending=[True, True, True], kind="stable"
	)
	return table.drop(columns="_name").reset_index(drop=True)


def top_types(pairs: pd.DataFrame, top_n: int) -> list:
	"""The N most frequent objection types (count order, value breaking ties)."""
	return leading_types(type_ranking(pairs, top_n), top_n)


def leading_types(ranking: pd.DataFrame, top_n: int) -> list:
	return ranking.loc[ranking["rank_by_count"] <= max(int(top_n or 0), 1), "objection_type"].tolist()


# the Objection Analysis rollup: per month raised, company, rep, objection type and the deal's stage
# then. Each objection carries what the server stamped from its deal (see `deal_objection_facts`).

ROLLUP_KEYS = ("month", "company", "rep", "objection_type", "stage")
ROLLUP_COUNTS = (
	"objections",
	"on_deals",
	"lost_objections",
	"deals",  # deals raising this type for the first time
	"open_value",  # their amounts while open
	"deals_any",  # deals raising their first objection of any type
	"open_value_any",
)


def deal_objection_facts(
	objections: Sequence[dict], deal_lost: bool, deal_open: bool, amount: float | None
) -> dict[str, dict]:
	"""What each objection of one deal carries: whether it is the deal's first of its type and its
	first of all (by creation, then name), the deal lost, and the deal's open amount on the firsts.
	A deal counts once per type in the month it first raised the type, its value while it is open."""
	facts, seen_types, first_any = {}, set(), True
	value = float(amount or 0.0) if deal_open else 0.0
	for row in sorted(objections, key=lambda row: (row["creation"], row["name"])):
		kind = row.get("objection_type") or ""
		first_of_type = kind not in seen_types
		seen_types.add(kind)
		facts[row["name"]] = {
			"first_of_type": int(first_of_type),
			"first_on_deal": int(first_any),
			"deal_lost": int(bool(deal_lost)),
			"open_value": value if first_of_type else 0.0,
			"open_value_any": value if first_any else 0.0,
		}
		first_any = False
	return facts


def _objection_counts(row: Mapping) -> dict:
	on_deal = bool(row.get("reference_name"))
	return {
		"objections": 1,
		"on_deals": int(on_deal),
		"lost_objections": int(on_deal and bool(row.get("deal_lost"))),
		"deals": int(on_deal and bool(row.get("first_of_type"))),
		"open_value": float(row.get("open_value") or 0.0) if on_deal else 0.0,
		"deals_any": int(on_deal and bool(row.get("first_on_deal"))),
		"open_value_any": float(row.get("open_value_any") or 0.0) if on_deal else 0.0,
	}


def objection_contribution(row: Mapping) -> list[Contribution]:
	"""What an objection adds to the rollup, in the month it was raised."""
	month = month_of(row.get("creation"))
	if month is None:
		return []
	key = (month, *((row.get(name) or "") for name in ("company", "assigned_to", "objection_type", "stage")))
	return [Contribution(key, _objection_counts(row))]


# the By Item Group rollup: the same counts per item group of the objection's deal instead of the
# stage. A deal with items of several groups counts in each; one with none (or no deal) under "".

ITEM_GROUP_KEYS = ("month", "company", "rep", "objection_type", "item_group")
ITEM_GROUP_COUNTS = ROLLUP_COUNTS[:5]  # a deal "of any type" is read from the stage rollup
ITEM_GROUP_SEPARATOR = "\n"


def item_groups_text(groups: Iterable[str | None]) -> str:
	"""The deal's item groups as stamped on its objections: distinct, sorted, one per line."""
	return ITEM_GROUP_SEPARATOR.join(sorted({group for group in groups if group}))


def item_groups_of(text: str | None) -> list[str]:
	"""The item groups an objection counts under: those stamped, or "" for none."""
	return [group for group in (text or "").split(ITEM_GROUP_SEPARATOR) if group] or [""]


def objection_item_group_contribution(row: Mapping) -> list[Contribution]:
	"""What an objection adds to the By Item Group rollup: its counts under each of its deal's groups."""
	month = month_of(row.get("creation"))
	if month is None:
		return []
	counts = {name: value for name, value in _objection_counts(row).items() if name in ITEM_GROUP_COUNTS}
	head = (month, *((row.get(name) or "") for name in ("company", "assigned_to", "objection_type")))
	return [Contribution((*head, group), counts) for group in item_groups_of(row.get("item_groups"))]


def summary_from_sums(sums: pd.DataFrame, by: Sequence[str]) -> pd.DataFrame:
	"""`summarize`'s table from rollup sums (ROLLUP_COUNTS, or the item-group rollup's subset of
	them, per `by` group or finer)."""
	by = list(by)
	frame = sums.copy()
	counts = [column for column in ROLLUP_COUNTS if column in frame.columns]
	for column in counts:
		frame[column] = pd.to_numeric(frame[column], errors="coerce").fillna(0)
	if by:
		table = frame.groupby(by, sort=True, dropna=False)[counts].sum().reset_index()
	else:
		table = frame[counts].sum().to_frame().T
	for column in ("objections", "on_deals", "lost_objections", "deals", "deals_any"):
		if column in table.columns:
			table[column] = table[column].astype("int64")
	table["value_at_stake"] = table["open_value"].astype("float64").round(2)
	table["lost_share"] = _share(table["lost_objections"], table["on_deals"]).to_numpy()
	return table.reset_index(drop=True)


def overall_from_sums(sums: pd.DataFrame) -> dict:
	"""The whole selection: a deal with objections of two types is one deal at stake."""
	if sums.empty:
		return {"objections": 0, "deals": 0, "value_at_stake": 0.0, "lost_share": None}
	row = summary_from_sums(sums, []).iloc[0]
	return {
		"objections": int(row["objections"]),
		"deals": int(row["deals_any"]),
		"value_at_stake": round(float(row["open_value_any"]), 2),
		"lost_share": None if pd.isna(row["lost_share"]) else float(row["lost_share"]),
	}


def months_between(start: date, end: date) -> list[str]:
	"""Every month of the period as "YYYY-MM", both ends included."""
	months, year, month = [], start.year, start.month
	while (year, month) <= (end.year, end.month):
		months.append(f"{year:04d}-{month:02d}")
		year, month = (year + 1, 1) if month == 12 else (year, month + 1)
	return months


def matrix(
	counts: pd.DataFrame, row: str, column: str, columns: Iterable, rows: Iterable | None = None
) -> pd.DataFrame:
	"""`counts` (row, column, objections) as a row × column table of objections with a total.

	Every column of `columns` appears (in that order, zero when empty); values of `column` not in
	it are summed into the total only. `rows` fixes the rows and their order (default: all, by
	total descending).
	"""
	columns = list(columns)
	frame = counts.copy()
	# a missing key (no type, no stage) is a row or column of its own, named ""
	frame[[row, column]] = frame[[row, column]].fillna("")
	frame["objections"] = pd.to_numeric(frame["objections"]).fillna(0).astype("int64")
	totals = frame.groupby(row, dropna=False)["objections"].sum()
	table = frame.pivot_table(
		index=row, columns=column, values="objections", aggfunc="sum", fill_value=0, dropna=False
	)
	table = table.reindex(columns=columns, fill_value=0)
	table["total"] = totals
	if rows is None:
		table = table.sort_values("total", ascending=False, kind="stable")
	else:
		table = table.reindex(list(rows), fill_value=0)
	table = table.fillna(0).astype("int64")
	table.columns.name = None
	return table.reset_index()


def outcome(status: str | None, has_sales_order: bool) -> str:
	"""Won when converted or a submitted Sales Order came from the deal; Lost/Closed lost; else open."""
	if status == WON_STATUS or has_sales_order:
		return WON
	if status in ("Lost", "Closed"):
		return LOST
	return OPEN


def strategy_table(uses: pd.DataFrame, stored: pd.DataFrame) -> pd.DataFrame:
	"""Each response strategy's uses (distinct deals) and win rate after use, beside its stored figures.

	`uses` has strategy, deal, outcome (Won / Lost / Open) — one row per use, duplicates allowed;
	`stored` has strategy, times_used, times_won, win_rate (the strategy document). Strategies of
	either frame appear; rows are in order of deals used, then name.
	"""
	frame = uses[_has_deal(uses["deal"]) & uses["strategy"].notna()].drop_duplicates(["strategy", "deal"])
	counted = pd.DataFrame(
		{
			"strategy": frame["strategy"],
			"deals_used": 1,
			"deals_won": frame["outcome"].eq(WON).astype("int64"),
			"deals_lost": frame["outcome"].eq(LOST).astype("int64"),
			"still_open": frame["outcome"].eq(OPEN).astype("int64"),
		}
	)
	return strategy_table_from_sums(counted.groupby("strategy", sort=True, as_index=False).sum(), stored)


def strategy_table_from_sums(counted: pd.DataFrame, stored: pd.DataFrame) -> pd.DataFrame:
	"""`strategy_table` from uses already counted per strategy (deals_used, deals_won, deals_lost,
	still_open), as the monthly sums give them."""
	table = counted.groupby("strategy", sort=True)[
		["deals_used", "deals_won", "deals_lost", "still_open"]
	].sum()
	stored = stored.set_index("strategy")[["times_used", "times_won", "win_rate"]]
	table = table.join(stored, how="outer")
	for column in ("deals_used", "deals_won", "deals_lost", "still_open", "times_used", "times_won"):
		table[column] = pd.to_numeric(table[column]).fillna(0).astype("int64")
	table["win_rate"] = pd.to_numeric(table["win_rate"]).fillna(0.0)
	table = table.rename(
		columns={
			"times_used": "stored_times_used",
			"times_won": "stored_times_won",
			"win_rate": "stored_win_rate",
		}
	)
	table["win_rate"] = _share(table["deals_won"], table["deals_used"]).to_numpy()
	table["decided_win_rate"] = _share(
		table["deals_won"], table["deals_won"] + table["deals_lost"]
	).to_numpy()
	table.index.name = "strategy"
	table = table.reset_index().sort_values(
		["deals_used", "strategy"], ascending=[False, True], kind="stable"
	)
	return table.reset_index(drop=True)
