"""The close probability on a real site: trained on a generated history with known effects.

Company "Win" has 160 closed deals over the past year. Every deal walks Prospecting →
Qualification → Proposal/Price Quote → Negotiation/Review and closes 20 days after it was
created, so the stage says nothing about the outcome (the stage-probability baseline ranks no
better than chance). Half the reps' deals are diligent: Requirement Clarification completed the
next day, Decision Chain Mapping completed the day after entering Proposal with a Veto Holder
named then; the other half leave both open (overdue). Diligent deals are won 80 % of the time,
the others 15 %. The model must find that (and that a veto holder helps), beat the baseline on
the hold-out and explain an open deal in those terms.

Company "Reversed": the same, except that in the most recent 20 % of closed deals the sloppy
deals win: what the model learned fails on the hold-out and it is not used. Company "Thin" has
no history at all.
"""

import json
import random
from datetime import timedelta

import frappe
from frappe.permissions import add_user_permission, remove_user_permission
from frappe.utils import now_datetime

from sales_process import api
from sales_process.adapters import opportunity as adapter
from sales_process.engine.win_model import WinModel
from sales_process.process import win_data, win_scores
from sales_process.process.rule_book import stage_order
from sales_process.process.stage_rollup import restamp
from sales_process.sales_process.doctype.sales_win_model import sales_win_model as module
from sales_process.testing import (
	OTHER_REP,
	SALES_MANAGER,
	SALES_USER,
	SalesProcessTestCase,
	as_user,
	client_set_value,
	desk_save,
	enroll,
	insert_counted,
	make_company,
	make_customer,
	make_team,
	make_user,
	rest_put,
	unenroll,
)

MODEL = "Sales Win Model"
PROCESS_MANAGER = "sp-win-process-manager@example.com"
PATH = ("Prospecting", "Qualification", "Proposal/Price Quote", "Negotiation/Review")
ENTERED_ON_DAY = (0, 5, 10, 15)
CLOSED_ON_DAY = 20
STAGE_PROBABILITY = {
	"Prospecting": 10,
	"Qualification": 20,
	"Proposal/Price Quote": 70,
	"Negotiation/Review": 85,
}


class History:
	"""Deals written as rows (no controller), with the moments a real history would have."""

	def __init__(self, company: str, prefix: str, seed: int):
		self.company, self.prefix = company, prefix
		self.rng = random.Random(seed)
		self.customer = make_customer()
		self.now = now_datetime()
		self.names: list[str] = []

	def deal(
		self,
		index: int,
		created,
		diligent: bool,
		won: bool | None,
		stages: int = 4,
		amount: float = 10_000,
		owner: str = SALES_USER,
	) -> str:
		"""A deal created at `created` that entered the first `stages` stages of PATH; closed 20 days
		after creation (won / lost) unless `won` is None (open)."""
		name = f"{self.prefix}-{index:04d}"
		closed_on = created + timedelta(days=CLOSED_ON_DAY) if won is not None else None
		stage = PATH[stages - 1]
		frappe.get_doc(
			{
				"doctype": "Opportunity",
				"name": name,
				"naming_series": "CRM-OPP-.YYYY.-",
				"company": self.company,
				"opportunity_from": "Customer",
				"party_name": self.customer,
				"opportunity_type": "Sales",
				"opportunity_owner": owner,
				"status": "Open" if won is None else ("Converted" if won else "Lost"),
				"sales_stage": stage,
				"probability": STAGE_PROBABILITY[stage],
				"currency": frappe.db.get_value("Company", self.company, "default_currency"),
				"conversion_rate": 1,
				"opportunity_amount": amount,
				"base_opportunity_amount": amount,
				"transaction_date": created.date(),
				"creation": created,
				"modified": closed_on or created,
				"owner": owner,
				"sp_won_on": closed_on if won else None,
				"sp_lost_on": closed_on if won is False else None,
			}
		).db_insert()
		previous = None
		for position in range(stages):
			at = created + timedelta(days=ENTERED_ON_DAY[position])
			self.log(name, at, previous, PATH[position], None if previous is None else "Open", "Open")
			previous = PATH[position]
		if closed_on:
			self.log(name, closed_on, previous, previous, "Open", "Converted" if won else "Lost")
		self.record(name, "Requirement Clarification", created, created + timedelta(days=2), diligent, 1)
		if stages >= 3:
			entered = created + timedelta(days=ENTERED_ON_DAY[2])
			self.record(name, "Decision Chain Mapping", entered, entered + timedelta(days=5), diligent, 1)
			if diligent and (closed_on or self.now) > entered + timedelta(days=1):
				self.veto_holder(name, entered + timedelta(days=1))
		self.names.append(name)
		return name

	def log(self, deal, at, from_stage, to_stage, from_status, to_status):
		frappe.get_doc(
			{
				"doctype": "Sales Stage Log",
				"reference_doctype": "Opportunity",
				"reference_name": deal,
				"changed_on": at,
				"changed_by": SALES_USER,
				"source": "Opportunity",
				"from_stage": from_stage,
				"to_stage": to_stage,
				"from_status": from_status,
				"to_status": to_status,
				"creation": at,
				"modified": at,
			}
		).db_insert()

	def record(self, deal, checkpoint, triggered, due, done: bool, after_days: float):
		completed = triggered + timedelta(days=after_days) if done else None
		status = "Completed" if done else ("Overdue" if due < self.now else "Pending")
		insert_counted(
			frappe.get_doc(
				{
					"doctype": "Sales Checkpoint Record",
					"name": f"{deal}-{checkpoint[:3]}",
					"checkpoint": checkpoint,
					"status": status,
					"reference_doctype": "Opportunity",
					"reference_name": deal,
					"trigger_key": f"_{checkpoint}",
					"assigned_to": SALES_USER,
					"company": self.company,
					"triggered_on": triggered,
					"due_on": due,
					"due_soon_on": due - timedelta(hours=12),
					"completed_on": completed,
					"on_time": int(bool(done)),
					"creation": triggered,
					"modified": completed or triggered,
				}
			)
		)

	def veto_holder(self, deal, at):
		frappe.get_doc(
			{
				"doctype": "Sales Decision Maker",
				"parent": deal,
				"parenttype": "Opportunity",
				"parentfield": "sp_decision_makers",
				"full_name": "王总",
				"role": "Veto Holder",
				"attitude": "Supporter",
				"idx": 1,
				"creation": at,
				"modified": at,
			}
		).db_insert()

	def closed_history(self, deals: int, reversed_share: float = 0.0):
		"""`deals` closed deals created one every two days up to 25 days ago; in the newest
		`reversed_share` of them the sloppy deals win."""
		first = self.now - timedelta(days=25 + 2 * deals)
		for index in range(deals):
			created = first + timedelta(days=2 * index, hours=self.rng.randint(0, 8))
			diligent = self.rng.random() < 0.5
			winning = (not diligent) if index >= deals * (1 - reversed_share) else diligent
			won = self.rng.random() < (0.8 if winning else 0.15)
			self.deal(index, created, diligent, won)

	def finish(self):
		restamp(stage_order(), adapter.funnel_facts_of, only=self.names)


class TestSalesWinModel(SalesProcessTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		make_team()
		make_user(PROCESS_MANAGER, ["Sales User", "Sales Process Manager"])
		for stage, probability in STAGE_PROBABILITY.items():
			frappe.db.set_value("Sales Stage", stage, "sp_probability", probability)
		cls.win = make_company("_SP Win Co", "_SPW")
		cls.reversed = make_company("_SP Win Reversed Co", "_SPR")
		cls.thin = make_company("_SP Win Thin Co", "_SPT")
		for company in (cls.win, cls.reversed, cls.thin):
			enroll(company)
		win_scores.forget_active_model()

		history = History(cls.win, "_SPW-OPP", seed=8)
		history.closed_history(160)
		now = history.now
		# open deals, in Qualification since a day ago (created 6 days ago): diligent and sloppy
		cls.diligent_open = [
			history.deal(900 + i, now - timedelta(days=6), True, None, stages=2) for i in range(3)
		]
		cls.sloppy_open = [
			history.deal(950 + i, now - timedelta(days=6), False, None, stages=2) for i in range(3)
		]
		# in Proposal for 5 days: the diligent one named its veto holder
		cls.proposal_diligent = history.deal(980, now - timedelta(days=15), True, None, stages=3)
		cls.proposal_sloppy = history.deal(981, now - timedelta(days=15), False, None, stages=3)
		history.finish()

		reversed_history = History(cls.reversed, "_SPR-OPP", seed=9)
		reversed_history.closed_history(120, reversed_share=0.2)
		cls.reversed_open = reversed_history.deal(900, now - timedelta(days=6), True, None, stages=2)
		reversed_history.finish()

		thin = History(cls.thin, "_SPT-OPP", seed=10)
		cls.thin_open = thin.deal(900, now - timedelta(days=6), True, None, stages=2, owner=SALES_USER)
		cls.other_thin_open = thin.deal(901, now - timedelta(days=6), True, None, stages=2, owner=OTHER_REP)
		thin.finish()

		cls.active = module.train(cls.win)
		cls.not_used = module.train(cls.reversed)
		cls.too_thin = module.train(cls.thin)

	@classmethod
	def tearDownClass(cls):
		win_scores.forget_active_model()
		for company in (cls.win, cls.reversed, cls.thin):
			unenroll(company)
		super().tearDownClass()

	def setUp(self):
		frappe.set_user("Administrator")
		frappe.local.lang = "en"

	def tearDown(self):
		frappe.set_user("Administrator")
		frappe.local.lang = "en"
		frappe.local.form_dict = frappe._dict()

	def coefficient(self, model: str, feature: str) -> float:
		return next(
			row.coefficient for row in frappe.get_doc(MODEL, model).coefficients if row.feature == feature
		)

	# training

	def test_learns_the_known_effects_and_beats_the_baseline(self):
		doc = frappe.get_doc(MODEL, self.active)
		self.assertEqual(doc.status, module.ACTIVE, doc.reason_code)
		self.assertEqual(doc.name, f"{self.win}-WIN-1")
		self.assertEqual((doc.closed_deals, doc.won_deals + doc.lost_deals), (160, 160))
		self.assertEqual((doc.train_deals, doc.holdout_deals), (128, 32))
		# each closed deal is seen at its four stage entries, never at or after its close
		self.assertEqual(doc.snapshots, 4 * 160)
		self.assertGreater(doc.model_auc, doc.baseline_auc)
		self.assertLess(doc.model_brier, doc.baseline_brier)
		self.assertGreater(doc.model_auc, 0.7)
		# the directions the history was written with
		self.assertLess(self.coefficient(self.active, "overdue_checkpoints"), 0)
		self.assertGreater(self.coefficient(self.active, "compliance_so_far"), 0)
		self.assertGreater(self.coefficient(self.active, "has_veto_holder"), 0)
		# a manager reads it as a table, largest effects first, with labels and the plain numbers
		sizes = [abs(row.coefficient) for row in doc.coefficients]
		self.assertEqual(sizes, sorted(sizes, reverse=True))
		labels = {row.feature: row.feature_label for row in doc.coefficients}
		self.assertEqual(labels["has_veto_holder"], "Veto holder identified")
		self.assertEqual(labels["stage=Proposal/Price Quote"], "Proposal/Price Quote")
		model = WinModel.from_dict(json.loads(doc.model_json))
		self.assertEqual(len(model.feature_names), len(doc.coefficients))
		self.assertAlmostEqual(model.intercept, doc.intercept)
		calibration = json.loads(doc.model_calibration)
		self.assertEqual(len(calibration), 10)
		self.assertEqual(sum(row["count"] for row in calibration), doc.holdout_snapshots)
		self.assertEqual(doc.won_paid, 0)  # no order was invoiced in this history

	def test_the_form_explains_the_verdict_and_the_calibration(self):
		doc = frappe.get_doc(MODEL, self.active)
		doc.run_method("onload")
		self.assertIn("In use", doc.get_onload()["reason"])
		self.assertIn("<table", doc.get_onload()["calibration_html"])
		frappe.local.lang = "zh"
		doc = frappe.get_doc(MODEL, self.too_thin)
		doc.run_method("onload")
		self.assertIn("历史", doc.get_onload()["reason"])

	def test_a_new_active_version_supersedes_the_previous_one(self):
		frappe.db.savepoint("win_second_version")
		try:
			second = module.train(self.win)
			self.assertEqual(second, f"{self.win}-WIN-2")
			self.assertEqual(frappe.db.get_value(MODEL, self.active, "status"), module.SUPERSEDED)
			self.assertEqual(win_scores.active_model(self.win)[0], second)
			self.assertEqual(
				frappe.db.get_value("Opportunity", self.sloppy_open[0], "sp_probability_source"), "Model"
			)
		finally:
			frappe.db.rollback(save_point="win_second_version")
			win_scores.forget_active_model(self.win)

	def test_a_model_not_better_than_the_baseline_is_not_used(self):
		doc = frappe.get_doc(MODEL, self.not_used)
		self.assertEqual(doc.status, module.NOT_USED)
		self.assertIn(
			doc.reason_code,
			("not_better_than_baseline", "auc_not_above_baseline", "brier_not_below_baseline"),
		)
		self.assertLess(
			doc.model_auc, doc.baseline_auc + 1e-9 if doc.reason_code != "brier_not_below_baseline" else 1
		)
		self.assertIsNone(win_scores.active_model(self.reversed))
		values = adapter.score_values(self.reversed_open)
		self.assertEqual(values.sp_probability_source, win_scores.SOURCE_STAGE)
		self.assertEqual(values.sp_close_probability, STAGE_PROBABILITY["Qualification"])
		self.assertTrue(doc.coefficients)  # the judged model is kept to be read

	def test_too_little_history_keeps_the_stage_probability(self):
		doc = frappe.get_doc(MODEL, self.too_thin)
		self.assertEqual(doc.status, module.NOT_ENOUGH_HISTORY)
		self.assertEqual(doc.reason_code, "too_few_closed")
		self.assertFalse(doc.model_json)
		doc.run_method("onload")
		self.assertIn("0 closed deals", doc.get_onload()["reason"])
		values = adapter.score_values(self.thin_open)
		self.assertEqual(values.sp_probability_source, win_scores.SOURCE_STAGE)
		self.assertEqual(values.sp_close_probability, STAGE_PROBABILITY["Qualification"])
		self.assertEqual(json.loads(values.sp_probability_reasons), [])

	# scoring and explaining

	def test_open_deals_are_scored_and_explained(self):
		stored = {name: adapter.score_values(name) for name in [*self.diligent_open, *self.sloppy_open]}
		for values in stored.values():
			self.assertEqual(values.sp_probability_source, win_scores.SOURCE_MODEL)
			self.assertTrue(0 <= values.sp_close_probability <= 100)
			self.assertTrue(values.sp_scored_on)
		diligent = min(stored[name].sp_close_probability for name in self.diligent_open)
		sloppy = max(stored[name].sp_close_probability for name in self.sloppy_open)
		self.assertGreater(diligent, sloppy + 20)
		reasons = json.loads(stored[self.sloppy_open[0]].sp_probability_reasons)
		self.assertLessEqual(len(reasons), win_scores.TOP_REASONS)
		by_feature = {reason["feature"]: reason for reason in reasons}
		self.assertIn("overdue_checkpoints", by_feature)
		self.assertLess(by_feature["overdue_checkpoints"]["points"], 0)
		self.assertEqual(by_feature["overdue_checkpoints"]["value"], 1.0)
		# a veto holder named in Proposal raises the deal; the sloppy one is told it lacks one
		with_veto = adapter.score_values(self.proposal_diligent)
		without = adapter.score_values(self.proposal_sloppy)
		self.assertGreater(with_veto.sp_close_probability, without.sp_close_probability)
		texts = [
			win_scores.reason_text(r["feature"], r["value"], r["points"])
			for r in json.loads(without.sp_probability_reasons)
		]
		self.assertTrue(any(text.startswith("2 overdue checkpoints: −") for text in texts), texts)

	def test_the_panel_shows_the_probability_and_its_reasons_in_the_readers_language(self):
		with as_user(SALES_USER):
			panel = api.get_checkpoint_panel("Opportunity", self.sloppy_open[0])
		probability = panel["probability"]
		self.assertEqual(probability["source"], "Model")
		self.assertEqual(probability["model"], win_scores.active_model(self.win)[0])
		self.assertTrue(probability["reasons"])
		texts = [reason["text"] for reason in probability["reasons"]]
		self.assertIn(
			"1 overdue checkpoint: −", "\n".join(texts), texts
		)  # "1 overdue checkpoint: −12 points"
		self.assertTrue(all(text.endswith(" points") for text in texts), texts)
		frappe.local.lang = "zh"
		with as_user(SALES_USER):
			panel = api.get_checkpoint_panel("Opportunity", self.sloppy_open[0])
		self.assertIn("逾期节点", "\n".join(reason["text"] for reason in panel["probability"]["reasons"]))
		self.assertIn("分", panel["probability"]["reasons"][0]["text"])

	def test_a_save_rescores_the_deal(self):
		# with an Active model the save queues the deal (run at once in tests)
		name = self.diligent_open[0]
		frappe.db.set_value(
			"Opportunity",
			name,
			{"sp_probability_source": "", "sp_scored_on": None},
			update_modified=False,
		)
		doc = frappe.get_doc("Opportunity", name)
		doc.customer_name = "renamed"  # any change
		doc.save(ignore_permissions=True)
		values = adapter.score_values(name)
		self.assertTrue(values.sp_scored_on)
		self.assertEqual(values.sp_probability_source, "Model")
		# a save that changes nothing the score reads writes nothing: the moment is when it changed
		frappe.db.set_value("Opportunity", name, "sp_scored_on", "2020-01-01 00:00:00", update_modified=False)
		doc = frappe.get_doc("Opportunity", name)
		doc.customer_name = "renamed again"
		doc.save(ignore_permissions=True)
		self.assertEqual(str(adapter.score_values(name).sp_scored_on), "2020-01-01 00:00:00")
		# without one the stage default is stored in the save itself, and the response carries it
		frappe.db.savepoint("win_thin_stage")
		try:
			doc = frappe.get_doc("Opportunity", self.thin_open)
			doc.sales_stage = "Prospecting"  # moving back is never refused
			doc.flags.ignore_permissions = True
			doc.save()
			self.assertEqual(doc.sp_close_probability, STAGE_PROBABILITY["Prospecting"])
			self.assertEqual(
				adapter.score_values(self.thin_open).sp_close_probability, doc.sp_close_probability
			)
		finally:
			frappe.db.rollback(save_point="win_thin_stage")

	def test_the_daily_job_scores_every_open_deal(self):
		frappe.db.set_value(
			"Opportunity",
			self.sloppy_open[1],
			{"sp_probability_source": "", "sp_scored_on": None},
			update_modified=False,
		)
		counts = win_scores.score_open_deals()
		self.assertEqual(counts["failed"], 0)
		self.assertGreaterEqual(counts["scored"], 8 + 1 + 2)
		self.assertTrue(adapter.score_values(self.sloppy_open[1]).sp_scored_on)

	def test_scoring_never_loads_scikit_learn(self):
		import subprocess
		import sys

		code = (
			"import sys\n"
			"from sales_process.process import win_scores\n"
			"assert 'sklearn' not in sys.modules, sorted(m for m in sys.modules if m.startswith('sklearn'))\n"
		)
		result = subprocess.run(
			[sys.executable, "-c", code],
			capture_output=True,
			text=True,
			cwd=frappe.get_app_path("sales_process", ".."),
		)
		self.assertEqual(result.returncode, 0, result.stderr)

	def test_frames_carry_the_moments_of_the_history(self):
		frames = win_data.training_frames(self.win)
		self.assertEqual(len(frames["deals"]), 160)
		self.assertEqual(set(frames["deals"]["outcome"]), {"Won", "Lost"})
		veto = frames["decision_makers"]
		deal = veto["deal"].iloc[0]
		created = frames["deals"].set_index("deal").loc[deal, "created_on"]
		self.assertEqual(veto["added_on"].iloc[0] - created, timedelta(days=11))

	# who sees and who changes what

	def test_a_rep_sees_scores_only_of_deals_they_can_open(self):
		add_user_permission("Opportunity", self.other_thin_open, OTHER_REP)
		try:
			with as_user(OTHER_REP):
				self.assertEqual(
					frappe.client.get("Opportunity", self.other_thin_open)["sp_probability_source"],
					"Stage Default",
				)
				with self.assertRaises(frappe.PermissionError):
					frappe.client.get("Opportunity", self.thin_open)
				with self.assertRaises(frappe.PermissionError):
					api.get_checkpoint_panel("Opportunity", self.thin_open)
				from frappe.api.v1 import read_doc

				with self.assertRaises(frappe.PermissionError):
					read_doc("Opportunity", self.thin_open)
		finally:
			remove_user_permission("Opportunity", self.other_thin_open, OTHER_REP)
		with as_user(SALES_USER):
			self.assertEqual(frappe.client.get("Opportunity", self.thin_open)["sp_close_probability"], 20)

	def test_a_rep_cannot_set_the_probability(self):
		name = self.thin_open
		fields = ("sp_close_probability", "sp_probability_source", "sp_probability_reasons")
		before = frappe.db.get_value("Opportunity", name, fields, as_dict=True)
		forged = {
			"sp_close_probability": 99,
			"sp_probability_source": "Model",
			"sp_probability_reasons": json.dumps([{"feature": "repeat_customer", "value": 1, "points": 80}]),
		}
		attacks = {
			"rest_put": lambda: rest_put("Opportunity", name, forged),
			"client_set_value": lambda: client_set_value("Opportunity", name, "sp_close_probability", 99),
			"desk_save": lambda: desk_save("Opportunity", name, forged),
		}
		for label, attack in attacks.items():
			with self.subTest(label), as_user(SALES_USER):
				try:
					attack()
				except (frappe.ValidationError, frappe.PermissionError):
					pass
				frappe.local.form_dict = frappe._dict()
				self.assertEqual(frappe.db.get_value("Opportunity", name, fields, as_dict=True), before)

	def test_only_a_process_manager_trains(self):
		for user in (SALES_USER, SALES_MANAGER):
			with self.subTest(user), as_user(user), self.assertRaises(frappe.PermissionError):
				module.train_now(self.thin)
		frappe.db.savepoint("win_train_now")
		try:
			with as_user(PROCESS_MANAGER):
				message = module.train_now(self.thin)
			self.assertIn("background", message)
			self.assertEqual(frappe.db.count(MODEL, {"company": self.thin}), 2)
		finally:
			frappe.db.rollback(save_point="win_train_now")

	def test_only_the_server_writes_a_model_and_only_managers_read_it(self):
		with as_user(SALES_USER):
			self.assertFalse(frappe.has_permission(MODEL, "read", self.active))
		with as_user(SALES_MANAGER):
			self.assertTrue(frappe.has_permission(MODEL, "read", self.active))
			self.assertFalse(frappe.has_permission(MODEL, "write", self.active))
		with as_user(PROCESS_MANAGER):
			self.assertTrue(frappe.has_permission(MODEL, "read", self.active))
		before = frappe.db.get_value(MODEL, self.active, ["status", "model_auc"], as_dict=True)
		for user in (SALES_MANAGER, "Administrator"):
			with (
				self.subTest(user),
				as_user(user),
				self.assertRaises((frappe.PermissionError, frappe.ValidationError)),
			):
				rest_put(MODEL, self.active, {"status": "Active", "model_auc": 0.99})
		self.assertEqual(
			frappe.db.get_value(MODEL, self.active, ["status", "model_auc"], as_dict=True), before
		)

	# the pipeline

	def test_target_back_calculation_weights_the_pipeline_with_the_model(self):
		from frappe.desk.query_report import run

		result = run(
			"Target Back-calculation",
			filters={"company": self.win, "target": 1_000_000},
			ignore_prepared_report=True,
		)
		self.assertIn("Sales Win Model", result["message"])
		expected = sum(
			10_000 * adapter.score_values(name).sp_close_probability / 100
			for name in frappe.get_all(
				"Opportunity",
				filters={"company": self.win, "status": "Open", "opportunity_owner": SALES_USER},
				pluck="name",
			)
		)
		row = next(row for row in result["result"] if isinstance(row, dict) and row.get("rep") == SALES_USER)
		self.assertAlmostEqual(row["weighted_pipeline"], expected, places=0)


class TestRiskSignalClosedOn(SalesProcessTestCase):
	def test_closed_on_is_stamped_by_the_server(self):
		from sales_process.testing import make_opportunity, test_company

		company = test_company()
		enroll(company)
		deal = make_opportunity(company)
		risk_type = frappe.db.get_value("Sales Objection Type", {"raises_risk": 1}, "name")
		signal = frappe.get_doc(
			{
				"doctype": "Sales Risk Signal",
				"reference_doctype": "Opportunity",
				"reference_name": deal.name,
				"risk_type": risk_type,
				"closed_on": "2020-01-01 00:00:00",
			}
		).insert(ignore_permissions=True)
		self.assertIsNone(signal.closed_on)
		signal.status = "Mitigated"
		signal.save(ignore_permissions=True)
		stamped = frappe.db.get_value("Sales Risk Signal", signal.name, "closed_on")
		self.assertGreater(stamped, now_datetime() - timedelta(minutes=5))
		signal.reload()
		signal.closed_on = "2020-01-01 00:00:00"
		signal.status = "Closed"
		signal.save(ignore_permissions=True)
		self.assertEqual(frappe.db.get_value("Sales Risk Signal", signal.name, "closed_on"), stamped)
		signal.status = "Open"
		signal.save(ignore_permissions=True)
		self.assertIsNone(frappe.db.get_value("Sales Risk Signal", signal.name, "closed_on"))
