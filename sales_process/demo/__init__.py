"""A demo company for a site: `bench --site <site> sales-process-demo` (see sales_process/commands.py).

`plan` decides the story (pure Python, seeded), `company` writes the masters through ERPNext's
documents, `history` plays the months through the app's own logic, and `scale` writes the
benchmark's volumes in bulk. `lead_plan` and `lead_history` do the same for the leads 客户挖掘,
after the deal story: a demo written before there were leads gets them with `add_leads`
(`--leads-only`), planned from the seed and dates it was written with, so they are the leads a
fresh demo of that seed has.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, time, timedelta

from sales_process.demo import lead_plan, plan
from sales_process.demo import vocabulary as words


def run(
	reps: int = 30,
	months: int = 12,
	seed: int = 2026,
	end_date: date | None = None,
	scale: bool = False,
	volumes: plan.Volumes | None = None,
	company: str = words.COMPANY_NAME,
	abbr: str = words.COMPANY_ABBR,
	commit: Callable[[], None] | None = None,
	say: Callable[[str], None] = print,
	leads: bool = True,
	lead_volumes: lead_plan.LeadVolumes | None = None,
) -> dict:
	"""Write the demo company and its history, then its leads (not in bulk mode); returns what was
	written (counts per table and status) and the steps that failed (each rolled back; the story
	went on without it)."""
	import frappe  # here, so the site-free tests can import the planner without a bench
	from frappe.utils import getdate, now_datetime

	from sales_process.demo import company as masters_module
	from sales_process.demo.history import History, counts

	commit = commit or frappe.db.commit
	masters_module.refuse_if_written(company)
	leads = leads and not scale  # bulk mode writes rows, and leads only come through the app's logic
	if leads:
		from sales_process.demo.lead_history import rule_name

		masters_module.refuse_if_leads_written(company, rule_name(company))
	# the end is the start of `end_date` in the site's time zone: every step lies in the past
	end_day = getdate(end_date) if end_date else now_datetime().date()
	start_day = plan.base_date(end_day, months)
	start, end = datetime.combine(start_day, time()), datetime.combine(end_day, time())
	volumes = volumes or (plan.BENCHMARK_VOLUMES if scale else plan.DEMO_VOLUMES)
	calendar = plan.Calendar(
		plan.holidays_between(start_day - timedelta(days=31), end_day + timedelta(days=400))
	)
	company_plan = plan.plan_company(seed, reps, volumes, company, abbr, end_day)
	say(f"{company}: {reps} reps, {start_day} to {end_day} (seed {seed}, {'bulk' if scale else 'app logic'})")
	failed: dict[str, int] = {}
	if scale:
		from sales_process.demo import scale as bulk

		story = plan.Story(company_plan, start, end, [])
		masters = masters_module.write_masters(company_plan, story, say)
		commit()
		bulk.write(company_plan, masters, seed, start, end, volumes, calendar, commit, say)
	else:
		story = plan.plan_story(company_plan, seed, start, end, volumes, calendar)
		masters = masters_module.write_masters(company_plan, story, say)
		commit()
		history = History(story, masters, commit=commit, say=say)
		history.run()
		failed = dict(history.failed)
	masters_module.mark_written(
		company,
		{
			"seed": seed,
			"reps": reps,
			"months": months,
			"from": start_day,
			"to": end_day,
			"mode": "bulk" if scale else "app logic",
			"written_on": datetime.now().replace(microsecond=0),
		},
	)
	commit()
	lead_story, lead_failed = None, {}
	if leads:
		lead_story, lead_failed = _write_leads(
			company_plan, masters, seed, start, end, calendar, lead_volumes, commit, say
		)
	written = counts(company)
	if leads:
		from sales_process.demo.lead_history import lead_counts

		written.update(lead_counts(company))
	_say_counts(written, say)
	say(
		f"logins: Administrator and every demo user ({company_plan.head.email}, ...) with password {words.PASSWORD}"
	)
	return {
		"counts": written,
		"failed": failed,
		"story": story,
		"plan": company_plan,
		"leads": lead_story,
		"lead_failed": lead_failed,
	}


def add_leads(
	company: str = words.COMPANY_NAME,
	lead_volumes: lead_plan.LeadVolumes | None = None,
	commit: Callable[[], None] | None = None,
	say: Callable[[str], None] = print,
) -> dict:
	"""The leads of a demo written without them (`--leads-only`): the story's seed, reps and dates
	are read from what the demo wrote, so these are the leads a fresh demo of that seed gets.
	Refuses when the demo is not here, or its leads (or other leads of the company) already are."""
	import frappe
	from frappe.utils import getdate

	from sales_process.demo import company as masters_module
	from sales_process.demo.lead_history import lead_counts, rule_name

	commit = commit or frappe.db.commit
	written = masters_module.written_demo(company)
	masters_module.refuse_if_leads_written(company, rule_name(company))
	seed, reps = written["seed"], int(written["reps"])
	start_day, end_day = getdate(written["from"]), getdate(written["to"])
	volumes = plan.BENCHMARK_VOLUMES if written.get("mode") == "bulk" else plan.DEMO_VOLUMES
	abbr = frappe.db.get_value("Company", company, "abbr")
	company_plan = plan.plan_company(seed, reps, volumes, company, abbr, end_day)
	masters = masters_module.masters_of(company_plan, company)
	calendar = plan.Calendar(
		plan.holidays_between(start_day - timedelta(days=31), end_day + timedelta(days=400))
	)
	start, end = datetime.combine(start_day, time()), datetime.combine(end_day, time())
	say(
		f"{company}: leads for the demo written on this site ({reps} reps, {start_day} to {end_day}, seed {seed})"
	)
	lead_story, failed = _write_leads(
		company_plan, masters, seed, start, end, calendar, lead_volumes, commit, say
	)
	counted = lead_counts(company)
	_say_counts(counted, say)
	return {"counts": counted, "failed": failed, "leads": lead_story, "plan": company_plan}


def _write_leads(company_plan, masters, seed, start, end, calendar, lead_volumes, commit, say):
	"""Plan the leads and play them; returns the lead story and the steps that failed."""
	from sales_process.demo import company as masters_module
	from sales_process.demo.lead_history import LeadHistory

	# lead deals are worked as the demo's deals are, whatever volumes the deal story had: the
	# same seed gives the same leads in a full run and with --leads-only
	story = lead_plan.plan_leads(
		company_plan,
		seed,
		start,
		end,
		calendar,
		plan.DEMO_VOLUMES,
		lead_volumes or lead_plan.DEMO_LEAD_VOLUMES,
	)
	history = LeadHistory(story, masters, commit=commit, say=say)
	history.run()
	masters_module.mark_leads_written(
		company_plan.name,
		{
			"seed": seed,
			"leads": len(story.leads),
			"deals": len(story.deals),
			"from": start.date(),
			"to": end.date(),
			"written_on": datetime.now().replace(microsecond=0),
		},
	)
	commit()
	return story, dict(history.failed)


def _say_counts(written: dict, say: Callable[[str], None]):
	for title, values in written.items():
		say(f"{title}: " + ", ".join(f"{key} {value:,}" for key, value in sorted(values.items())))
