"""Lead Source Quality on a real site: six leads whose figures are worked out by hand below, read by
two reps and a Sales Manager, grouped by source and by campaign, filtered by source and sales person."""

from datetime import datetime

import frappe
from frappe.desk.query_report import run

from sales_process.process.test_leads import make_lead
from sales_process.testing import EnrolledCompanyTestCase, as_user, make_sales_person, make_user

REPORT = "Lead Source Quality"
REP_A = "sp-lsq-rep-a@example.com"
REP_B = "sp-lsq-rep-b@example.com"
MANAGER = "sp-lsq-manager@example.com"
EXPO, WEB, SPRING = "_SP LSQ Expo", "_SP LSQ Web", "_SP LSQ Spring"
PERIOD = {"from_date": "2026-03-01", "to_date": "2026-03-31"}


def at(day: int, hour: int, month: int = 3) -> datetime:
	return datetime(2026, month, day, hour, 0)


class TestLeadSourceQuality(EnrolledCompanyTestCase):
	"""No Holiday List: weekends are off. March 2026: the 4th is a Wednesday, the 6th a Friday.

	L1 rep A, Expo, Spring: pooled, score 80, pooled 3/4 10:00, contacted 12:00 (2 h); its
		Opportunity is Converted, and Sales Order SO1 (net 5 000) came from its quotation.
	L2 rep A, Expo, Spring: pooled, score 60, pooled Fri 3/6 20:00, contacted Mon 3/9 02:00
		(Friday 4 h + Monday 2 h = 6 h); its Opportunity is open.
	L3 rep A, Expo, no campaign: not pooled, score 10.
	L4 rep B, Web: pooled, score 55, pooled 3/10 09:00, contacted 19:00 (10 h); a quotation made
		to the lead directly became Sales Order SO4 (net 3 000): won, but no Opportunity.
	L5 rep B, Web: never scored, not pooled.
	L6 rep A, Expo: created in April, outside the period.

	Expo: 3 leads, pooled 2/3 = 66.7 %, average score (80 + 60 + 10) / 3 = 50.0, first response
	median of 2 and 6 = 4.0 h, converted 2/3 = 66.7 %, won 1/3 = 33.3 %, won 5 000.
	Web: 2 leads, pooled 50.0 %, average score 55.0 (one scored lead), median 10.0 h, converted 0,
	won 50.0 %, won 3 000. All: 5 leads, pooled 60.0 %, median 6.0 h, won 40.0 %, 8 000."""

	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		frappe.db.set_value("Sales Lead Rule", {"company": cls.company, "enabled": 1}, "enabled", 0)
		make_user(REP_A, ["Sales User"])
		make_user(REP_B, ["Sales User"])
		make_user(MANAGER, ["Sales User", "Sales Manager"])
		cls.person_a = make_sales_person("_SP LSQ Rep A", REP_A, cls.company)
		make_sales_person("_SP LSQ Rep B", REP_B, cls.company)
		for source in (EXPO, WEB):
			if not frappe.db.exists("Lead Source", source):
				frappe.get_doc({"doctype": "Lead Source", "source_name": source}).insert(
					ignore_permissions=True
				)
		if not frappe.db.exists("Campaign", SPRING):
			frappe.get_doc({"doctype": "Campaign", "campaign_name": SPRING}).insert(ignore_permissions=True)
		cls.spring = frappe.db.get_value("Campaign", {"campaign_name": SPRING})
		cls.build()

	@classmethod
	def lead(cls, owner, source, campaign, created, **stored):
		lead = make_lead(cls.company, owner=owner, source=source, campaign_name=campaign)
		frappe.db.set_value("Lead", lead.name, {"creation": created, **stored}, update_modified=False)
		return lead.name

	@classmethod
	def build(cls):
		cls.l1 = cls.lead(REP_A, EXPO, cls.spring, at(4, 9), sp_pooled=1, sp_score=80, sp_fingerprint="x",
			sp_pooled_on=at(4, 10), sp_first_contacted_on=at(4, 12))  # fmt: skip
		cls.l2 = cls.lead(REP_A, EXPO, cls.spring, at(6, 19), sp_pooled=1, sp_score=60, sp_fingerprint="x",
			sp_pooled_on=at(6, 20), sp_first_contacted_on=at(9, 2))  # fmt: skip
		cls.l3 = cls.lead(REP_A, EXPO, None, at(7, 9), sp_pooled=0, sp_score=10, sp_fingerprint="x")
		cls.l4 = cls.lead(REP_B, WEB, None, at(10, 8), sp_pooled=1, sp_score=55, sp_fingerprint="x",
			sp_pooled_on=at(10, 9), sp_first_contacted_on=at(10, 19))  # fmt: skip
		cls.l5 = cls.lead(REP_B, WEB, None, at(12, 9), sp_pooled=0, sp_score=0, sp_fingerprint=None)
		cls.l6 = cls.lead(REP_A, EXPO, None, at(5, 9, month=4), sp_pooled=1, sp_score=90, sp_fingerprint="x")
		o1 = cls.deal(cls.l1, "Converted")
		cls.deal(cls.l2, "Open")
		cls.order("_SP-LSQ-Q1", "_SP-LSQ-SO1", 5_000, opportunity=o1, party=cls.l1)
		cls.order("_SP-LSQ-Q4", "_SP-LSQ-SO4", 3_000, party=cls.l4)
		# a draft order counts nothing
		cls.order("_SP-LSQ-Q5", "_SP-LSQ-SO5", 9_999, party=cls.l5, docstatus=0)

	@classmethod
	def deal(cls, lead, status):
		deal = frappe.get_doc(
			{
				"doctype": "Opportunity",
				"company": cls.company,
				"opportunity_from": "Lead",
				"party_name": lead,
				"opportunity_type": "Sales",
				"sales_stage": "Prospecting",
				"conversion_rate": 1,
			}
		).insert(ignore_permissions=True)
		frappe.db.set_value("Opportunity", deal.name, "status", status, update_modified=False)
		return deal.name

	@classmethod
	def order(cls, quotation, sales_order, amount, party, opportunity=None, docstatus=1):
		"""Rows as ERPNext leaves them once a quotation became a submitted order (written as data:
		the checkpoints that gate them are tested elsewhere)."""
		frappe.get_doc({"doctype": "Quotation", "name": quotation, "docstatus": 1, "quotation_to": "Lead",
			"party_name": party, "opportunity": opportunity, "company": cls.company}).db_insert()  # fmt: skip
		frappe.get_doc({"doctype": "Sales Order", "name": sales_order, "docstatus": docstatus, "company": cls.company,
			"base_net_total": amount, "net_total": amount}).db_insert()  # fmt: skip
		for index in (1, 2):  # two items from the same quotation: the order still counts once
			frappe.get_doc({"doctype": "Sales Order Item", "name": f"{sales_order}-{index}", "parent": sales_order,
				"parenttype": "Sales Order", "parentfield": "items", "prevdoc_docname": quotation,
				"docstatus": docstatus}).db_insert()  # fmt: skip

	def run_as(self, user, **filters):
		with as_user(user):
			return run(REPORT, {"company": self.company, **PERIOD, **filters})

	def rows(self, user, key="source", **filters):
		result = self.run_as(user, **filters)
		return {
			row[key]: row
			for row in result["result"]
			if str(row.get(key) or "").startswith("_SP LSQ") or key == "campaign"
		}

	@staticmethod
	def figures(row):
		return (
			row["leads"],
			row["pooled_pct"],
			row["average_score"],
			row["first_response_median_hours"],
			row["converted_pct"],
			row["won_pct"],
			row["won_amount"],
			row["cost"],
			row["cost_per_won"],
		)

	def test_per_source_as_worked_out_by_hand(self):
		rows = self.rows(MANAGER)
		self.assertEqual(self.figures(rows[EXPO]), (3, 66.7, 50.0, 4.0, 66.7, 33.3, 5000.0, None, None))
		self.assertEqual(self.figures(rows[WEB]), (2, 50.0, 55.0, 10.0, 0.0, 50.0, 3000.0, None, None))
		result = self.run_as(MANAGER, source=WEB)
		self.assertEqual([row["source"] for row in result["result"]], [WEB])
		summary = {item["label"]: item["value"] for item in result["report_summary"]}
		self.assertEqual((summary["Leads"], summary["Won %"], summary["Won Amount"]), (2, 50.0, 3000.0))
		self.assertEqual(result["chart"]["data"]["labels"], [WEB])
		self.assertIn("Campaign has no cost field", result["message"])

	def test_totals_and_campaigns(self):
		result = self.run_as(MANAGER, source=None)
		mine = [row for row in result["result"] if row["source"] in (EXPO, WEB)]
		self.assertEqual(sum(row["leads"] for row in mine), 5)
		by_campaign = self.rows(MANAGER, key="campaign", group_by="Campaign")
		spring = by_campaign[self.spring]
		self.assertEqual(self.figures(spring)[:7], (2, 100.0, 70.0, 4.0, 100.0, 50.0, 5000.0))
		both = self.run_as(MANAGER, group_by="Source and Campaign")["result"]
		self.assertIn((EXPO, ""), {(row["source"], row["campaign"]) for row in both})

	def test_a_rep_sees_their_own_leads_and_a_manager_filters_by_sales_person(self):
		self.assertEqual(set(self.rows(REP_A)), {EXPO})
		self.assertEqual(self.rows(REP_A)[EXPO]["leads"], 3)
		self.assertEqual(set(self.rows(REP_B)), {WEB})
		self.assertEqual(set(self.rows(MANAGER, sales_person=self.person_a)), {EXPO})

	def test_a_period_that_ends_before_it_starts_is_refused(self):
		with self.assertRaises(frappe.ValidationError):
			self.run_as(MANAGER, from_date="2026-04-01", to_date="2026-03-01")
