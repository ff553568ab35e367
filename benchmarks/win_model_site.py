"""The close probability on a real site: training from the database for one company, scoring all
its open deals, and what scoring adds to an Opportunity save.

Run from the bench's sites folder with the bench's Python:
    cd frappe-bench/sites && ../env/bin/python ../apps/sales_process/benchmarks/win_model_site.py \\
        --site <site> --company "SP Demo Trading" [--saves 30] [--write]

Prints the rows read per kind of fact, the time to read them, to fit and judge the model
(engine.win_training.fit_and_evaluate: hold-out AUC and Brier for the model and the stage
baseline), to count the paid won deals, then to score every open deal of the company in batches
(read, features, vectorised score, one explanation per deal) and the time `score_on_change` adds
inside real Opportunity saves. Without --write everything is rolled back and the fresh model is
used in memory; with --write a Sales Win Model version is stored as the weekly job stores it (and
the open deals are scored with it, if it is Active). Prints figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import statistics
import time

import frappe


def percentile(values, share):
	ordered = sorted(values)
	return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def main(site: str, company: str | None, saves: int, write: bool):
	frappe.init(site=site, sites_path=".")
	frappe.connect()
	frappe.set_user("Administrator")
	from frappe.utils import now_datetime

	from sales_process.adapters import opportunity
	from sales_process.engine import win_features
	from sales_process.engine.win_model import WinModel, explain, score
	from sales_process.engine.win_training import fit_and_evaluate
	from sales_process.process import win_data, win_scores
	from sales_process.process.settings import enrolled_companies

	company = company or sorted(enrolled_companies())[0]
	now = now_datetime()
	print(f"site {site}, company {company}")

	started = time.perf_counter()
	frames = win_data.training_frames(company)
	read = time.perf_counter() - started
	for key, frame in frames.items():
		print(f"  {key:<16} {0 if frame is None else len(frame):>10,} rows")
	print(f"read the closed deals' frames: {read:.2f} s")

	started = time.perf_counter()
	result = fit_and_evaluate(**frames, now=now)
	fit = time.perf_counter() - started
	counts = result.counts
	print(
		f"fit and evaluate: {fit:.2f} s — {counts.get('deals', 0):,} closed deals "
		f"({counts.get('won', 0):,} won, {counts.get('lost', 0):,} lost), {counts.get('snapshots', 0):,} snapshots, "
		f"train {counts.get('train_deals', 0):,} / hold-out {counts.get('holdout_deals', 0):,} deals"
	)
	if result.model_metrics:
		m, b = result.model_metrics, result.baseline_metrics
		print(f"  hold-out AUC   model {m['auc']:.4f}  baseline {b['auc']:.4f}")
		print(f"  hold-out Brier model {m['brier']:.4f}  baseline {b['brier']:.4f}")
	print(f"  verdict: {'use the model' if result.use_model else result.reason}")
	deals = frames["deals"]
	started = time.perf_counter()
	paid = win_data.paid_won_deals(deals.loc[deals["outcome"].eq(win_features.WON), "deal"].tolist())
	print(f"won deals paid: {paid:,} ({time.perf_counter() - started:.2f} s)")

	model_dict = result.model or result.holdout_model
	if write:
		from sales_process.sales_process.doctype.sales_win_model.sales_win_model import train

		started = time.perf_counter()
		name = train(company, now=now)
		frappe.db.commit()
		print(
			f"stored {name} ({frappe.db.get_value('Sales Win Model', name, 'status')}) and scored the open deals: {time.perf_counter() - started:.2f} s"
		)
	if not model_dict:
		print("no model to score with")
		frappe.destroy()
		return
	model = WinModel.from_dict(model_dict)

	# every open deal, as the daily job reads it, scored with the fresh model (nothing stored)
	spent = {"read": 0.0, "features": 0.0, "score": 0.0, "explain": 0.0}
	scored, after = 0, ""
	while names := opportunity.open_deal_names(company, after, win_scores.BATCH):
		after = names[-1]
		t0 = time.perf_counter()
		rows = opportunity.win_deal_rows(names=names, open_only=True)
		batch = win_data.frames_of(win_data.deal_frame(rows))
		t1 = time.perf_counter()
		moments = win_features.open_moments(batch["deals"], batch["moves"], now)
		table = win_features.feature_frame(
			moments,
			deals=batch["deals"],
			**{key: batch[key] for key in win_data.FACT_READERS},
			customer_orders=batch["customer_orders"],
			stage_medians=model.stage_median_days,
		)
		t2 = time.perf_counter()
		score(model, table)
		t3 = time.perf_counter()
		for row in table.to_dict("records"):
			explain(model, row, top=win_scores.TOP_REASONS)
		t4 = time.perf_counter()
		spent["read"] += t1 - t0
		spent["features"] += t2 - t1
		spent["score"] += t3 - t2
		spent["explain"] += t4 - t3
		scored += len(table)
	total = sum(spent.values())
	print(
		f"scored {scored:,} open deals in {total:.2f} s: "
		+ ", ".join(f"{key} {value:.2f} s" for key, value in spent.items())
	)

	# what scoring adds to a save (the fresh model stands in for the company's Active one): the hook
	# queues the deal after the commit; the short job then reads, scores, explains and stores it
	original_active = win_scores.active_model
	win_scores.active_model = lambda name: (
		("(benchmark)", model) if name == company else original_active(name)
	)
	original_hook = win_scores.score_on_change
	hook, job, queueing, totals = [], [], [], []

	def timed(doc):
		t0 = time.perf_counter()
		try:
			return original_hook(doc)
		finally:
			hook.append(time.perf_counter() - t0)

	win_scores.score_on_change = timed
	try:
		for name in opportunity.open_deal_names(company, "", saves):
			doc = frappe.get_doc("Opportunity", name)
			doc.flags.ignore_permissions = True
			t0 = time.perf_counter()
			doc.save()
			totals.append(time.perf_counter() - t0)
			# what runs after the commit: a queue push with its dedup check (of a harmless job here)
			t0 = time.perf_counter()
			frappe.enqueue(
				"frappe.ping", queue="short", job_id=f"sales_process:bench:{name}", deduplicate=True
			)
			queueing.append(time.perf_counter() - t0)
			t0 = time.perf_counter()
			win_scores.score_deals([name], now)
			job.append(time.perf_counter() - t0)
	finally:
		win_scores.score_on_change = original_hook
		win_scores.active_model = original_active
		frappe.db.rollback()

	def ms(values):
		return (
			f"median {1000 * statistics.median(values):.1f} ms, p90 {1000 * percentile(values, 0.9):.1f} ms"
		)

	if hook:
		print(f"score_on_change inside {len(hook)} saves: {ms(hook)} (whole save: {ms(totals)})")
		print(f"after the commit, the queue push: {ms(queueing)}")
		print(f"the background job per deal (read, score, explain, store): {ms(job)}")
	frappe.destroy()


if __name__ == "__main__":
	parser = argparse.ArgumentParser(
		description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
	)
	parser.add_argument("--site", required=True)
	parser.add_argument("--company")
	parser.add_argument("--saves", type=int, default=30)
	parser.add_argument(
		"--write", action="store_true", help="store a Sales Win Model version as the weekly job does"
	)
	args = parser.parse_args()
	main(args.site, args.company, args.saves, args.write)
