"""A demo company for a site: `bench --site <site> sales-process-demo` (see sales_process/commands.py).

`plan` decides the story (pure Python, seeded), `company` writes the masters through ERPNext's
documents, `history` plays the months through the app's own logic, and `scale` writes the
benchmark's volumes in bulk.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, time, timedelta

from sales_process.demo import plan
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
) -> dict:
	"""Write the demo company and its history; returns what was written (counts per table and
	status) and the steps that failed (each rolled back; the story went on without it)."""
	import frappe  # here, so the site-free tests can import the planner without a bench
	from frappe.utils import getdate, now_datetime

	from sales_process.demo import company as masters_module
	from sales_process.demo.history import History, counts

	commit = commit or frappe.db.commit
	masters_module.refuse_if_written(company)
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
	written = counts(company)
	for title, values in written.items():
		say(f"{title}: " + ", ".join(f"{key} {value:,}" for key, value in sorted(values.items())))
	say(
		f"logins: Administrator and every demo user ({company_plan.head.email}, ...) with password {words.PASSWORD}"
	)
	return {"counts": written, "failed": failed, "story": story, "plan": company_plan}
