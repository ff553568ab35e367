import hashlib
from datetime import timedelta

import frappe
from frappe.utils import add_to_date, get_datetime, now_datetime

from sales_process import api
from sales_process.testing import (
	EnrolledCompanyTestCase,
	as_user,
	attach_file,
	jpeg_bytes,
	make_customer,
	make_opportunity,
	make_site_address,
	make_user,
	make_visit,
	minimal_pdf,
	records,
	rest_put,
	upload_to,
)

PLANT = (29.8683, 121.5440)
NEAR = (29.8700, 121.5450)  # about 210 m away
FAR = (29.8800, 121.5440)  # about 1.3 km away
REP = "sp-visit-rep@example.com"
OTHER = "sp-visit-other@example.com"
MANAGER = "sp-visit-manager@example.com"


class TestSalesVisitLog(EnrolledCompanyTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		make_user(REP, ["Sales User"])
		make_user(OTHER, ["Sales User"])
		make_user(MANAGER, ["Sales User", "Sales Manager"])

	def setUp(self):
		frappe.set_user("Administrator")
		self._policy("Flag for Manager")

	def tearDown(self):
		frappe.set_user("Administrator")

	def _policy(self, policy):
		frappe.db.set_single_value("Sales Process Settings", "outside_geofence", policy)
		frappe.clear_document_cache("Sales Process Settings", "Sales Process Settings")

	def _customer_with_site(self, point=PLANT):
		"""A customer whose site a manager located (a confirmed geofence centre)."""
		with as_user("Administrator"):
			customer = make_customer()
			if point:
				make_site_address("Customer", customer, *point)
		return customer

	def test_check_in_inside_the_geofence_is_stamped_by_the_server(self):
		customer = self._customer_with_site()  # located by a manager: a confirmed geofence centre
		frappe.set_user(REP)
		visit = make_visit(customer)
		api.check_in(visit.name, *NEAR, accuracy=15)
		visit.reload()
		self.assertEqual((visit.status, visit.geofence_result, visit.rep), ("Checked In", "Inside", REP))
		self.assertAlmostEqual(visit.distance_m, 210, delta=15)
		self.assertLess(abs((visit.check_in_time - now_datetime()).total_seconds()), 120)
		self.assertFalse(visit.needs_review)

	def test_outside_is_flagged_for_the_manager_or_refused_by_setting(self):
		customer = self._customer_with_site()
		visit = make_visit(customer)
		api.check_in(visit.name, *FAR, accuracy=10)
		visit.reload()
		self.assertEqual(visit.geofence_result, "Outside")
		self.assertTrue(visit.needs_review)
		self.assertIn("m from the site", visit.flags_note)

		self._policy("Refuse")
		refused = make_visit(customer)
		with self.assertRaises(frappe.ValidationError) as refusal:
			api.check_in(refused.name, *FAR, accuracy=10)
		self.assertIn("check in within 500 m", str(refusal.exception))
		self.assertIsNone(frappe.db.get_value("Sales Visit Log", refused.name, "check_in_time"))

	def test_a_manager_clears_a_flag_and_the_reason_stays(self):
		frappe.set_user(OTHER)  # a rep of its own: REP's check-ins elsewhere would add travel flags
		visit = make_visit(self._customer_with_site())
		api.check_in(visit.name, *FAR, accuracy=10)
		with self.assertRaises(frappe.PermissionError):
			api.review_visit(visit.name, "ok")
		frappe.set_user(MANAGER)
		with self.assertRaises(frappe.ValidationError):
			api.review_visit(visit.name, "  ")  # a review says what was checked
		api.review_visit(visit.name, "Met the buyer at their second plant")
		visit.reload()
		self.assertEqual((visit.needs_review, visit.reviewed_by), (0, MANAGER))
		self.assertEqual(visit.review_comment, "Met the buyer at their second plant")
		self.assertIn("1.3 km from the site (limit 500 m)", visit.flags_note)

	def test_flag_reasons_read_in_each_readers_language(self):
		frappe.set_user(OTHER)
		visit = make_visit(self._customer_with_site())
		api.check_in(visit.name, *FAR, accuracy=10)
		frappe.set_user("Administrator")
		from sales_process.process.visits import flag_text

		codes = frappe.db.get_value("Sales Visit Log", visit.name, "flag_codes")
		self.assertIn("1.3 km from the site", flag_text(codes, "en"))
		self.assertIn("签到位置距现场 1.3 km", flag_text(codes, "zh"))

	def test_a_customer_without_a_site_location_is_flagged(self):
		visit = make_visit(self._customer_with_site(point=None))
		api.check_in(visit.name, *NEAR, accuracy=10)
		visit.reload()
		self.assertEqual(visit.geofence_result, "No Site Location")
		self.assertTrue(visit.needs_review)

	def test_bad_coordinates_and_a_second_check_in_are_refused(self):
		visit = make_visit(self._customer_with_site())
		with self.assertRaises(frappe.ValidationError) as refusal:
			api.check_in(visit.name, 123.0, 10.0)
		self.assertIn("latitude 123.0 is outside", str(refusal.exception))
		with self.assertRaises(frappe.ValidationError):
			api.check_in(visit.name, None, None)
		api.check_in(visit.name, *NEAR, accuracy=10)
		with self.assertRaises(frappe.ValidationError):
			api.check_in(visit.name, *NEAR, accuracy=10)

	def test_poor_accuracy_and_impossible_travel_are_flagged(self):
		frappe.set_user(REP)
		first = make_visit(self._customer_with_site())
		api.check_in(first.name, *NEAR, accuracy=10)
		frappe.set_user("Administrator")
		frappe.db.set_value(
			"Sales Visit Log", first.name, "check_in_time", add_to_date(now_datetime(), minutes=-10)
		)
		frappe.set_user(REP)
		hangzhou = (30.2741, 120.1551)  # 140 km in 10 minutes
		second = make_visit(self._customer_with_site(point=hangzhou))
		api.check_in(second.name, *hangzhou, accuracy=450)
		second.reload()
		self.assertTrue(second.needs_review)
		self.assertIn("Impossible travel", second.flags_note)
		self.assertIn("GPS accuracy 450 m", second.flags_note)
		self.assertGreater(second.travel_speed_kmh, 500)

	def test_nobody_edits_check_in_data_after_the_fact(self):
		frappe.set_user(REP)
		visit = make_visit(self._customer_with_site())
		api.check_in(visit.name, *NEAR, accuracy=10)
		visit.reload()
		for fieldname, value in (
			("check_in_time", add_to_date(now_datetime(), hours=-3)),
			("distance_m", 1),
			("rep", OTHER),
		):
			visit.reload()
			visit.set(fieldname, value)
			with self.assertRaises(frappe.PermissionError):
				visit.save()
		forged = frappe.get_doc(
			{
				"doctype": "Sales Visit Log",
				"party_type": "Customer",
				"party": self._customer_with_site(),
				"check_in_time": add_to_date(now_datetime(), hours=-5),
				"geofence_result": "Inside",
				"rep": OTHER,
			}
		).insert()
		self.assertEqual((forged.check_in_time, forged.geofence_result, forged.rep), (None, None, REP))

	def test_photo_is_watermarked_hashed_and_cannot_be_swapped(self):
		visit = make_visit(self._customer_with_site())
		api.check_in(visit.name, *NEAR, accuracy=10)
		original = jpeg_bytes()
		url = upload_to("Sales Visit Log", visit.name, original, "site.jpg")
		api.add_visit_photo(visit.name, url)
		visit.reload()
		self.assertEqual(visit.photo_sha256, hashlib.sha256(original).hexdigest())
		self.assertTrue(visit.photo.startswith("/private/files/") and visit.photo != visit.photo_original)
		stamped = frappe.get_doc("File", {"file_url": visit.photo}).get_content()
		self.assertNotEqual(stamped, original)
		again = upload_to("Sales Visit Log", visit.name, jpeg_bytes(100, 100), "other.jpg")
		with self.assertRaises(frappe.ValidationError) as refusal:
			api.add_visit_photo(visit.name, again)
		self.assertIn("cannot be replaced", str(refusal.exception))

	def test_the_hash_is_of_the_bytes_the_phone_sent_even_when_frappe_strips_exif(self):
		import io

		from PIL import Image

		exif = Image.Exif()
		exif[0x0132] = "2026:11:23 10:15:00"  # DateTime: stripped by Frappe on save
		sent = io.BytesIO()
		Image.new("RGB", (300, 200), (10, 90, 160)).save(sent, format="JPEG", exif=exif)
		sent = sent.getvalue()
		frappe.db.set_single_value("System Settings", "strip_exif_metadata_from_uploaded_images", 1)
		frappe.set_user(REP)
		visit = make_visit(self._customer_with_site())
		api.check_in(visit.name, *NEAR, accuracy=10)
		frappe.local.uploaded_file, frappe.local.uploaded_filename = sent, "IMG_0001.jpg"
		frappe.form_dict.docname = visit.name
		try:
			api.upload_visit_photo()
		finally:
			frappe.local.uploaded_file = frappe.local.uploaded_filename = None
			frappe.form_dict.pop("docname", None)
		visit.reload()
		self.assertEqual(visit.photo_sha256, hashlib.sha256(sent).hexdigest())
		self.assertTrue(visit.photo and visit.photo_original)

	def test_a_file_that_is_not_an_image_is_refused_clearly(self):
		visit = make_visit(self._customer_with_site())
		api.check_in(visit.name, *NEAR, accuracy=10)
		url = upload_to("Sales Visit Log", visit.name, minimal_pdf(), "contract.pdf")
		with self.assertRaises(frappe.ValidationError) as refusal:
			api.add_visit_photo(visit.name, url)
		self.assertIn("contract.pdf is not a photo", str(refusal.exception))
		self.assertFalse(frappe.db.get_value("Sales Visit Log", visit.name, "photo"))

	def test_check_out_records_duration_and_the_stage_after(self):
		customer = self._customer_with_site()
		opportunity = make_opportunity(self.company, customer, stage="Qualification")
		visit = make_visit(customer, opportunity.name)
		api.check_in(visit.name, *NEAR, accuracy=10)
		frappe.db.set_value(
			"Sales Visit Log", visit.name, "check_in_time", add_to_date(now_datetime(), minutes=-45)
		)
		frappe.db.set_value("Opportunity", opportunity.name, "sales_stage", "Needs Analysis")
		api.check_out(visit.name)
		visit.reload()
		self.assertEqual((visit.stage_before, visit.stage_after), ("Qualification", "Needs Analysis"))
		self.assertAlmostEqual(visit.duration, 45 * 60, delta=120)

	def test_a_risk_word_in_the_summary_raises_a_signal_and_its_checkpoint(self):
		customer = self._customer_with_site()
		opportunity = make_opportunity(self.company, customer)
		visit = make_visit(customer, opportunity.name)
		visit.summary = "技术上认可,但客户说今年预算不足,要等明年"
		visit.save()
		visit.reload()
		self.assertEqual(visit.suggested_objection_type, "Budget Insufficient")
		signal = frappe.get_all(
			"Sales Risk Signal",
			filters={"reference_name": opportunity.name},
			fields=["name", "risk_type", "detected_in"],
		)
		self.assertEqual(
			[(s.risk_type, s.detected_in) for s in signal], [("Budget Insufficient", visit.name)]
		)
		(record,) = records(opportunity.name, "Risk Pre-registration")
		self.assertEqual(record.trigger_key, f"risk:{signal[0].name}")

	def test_the_rep_saves_notes_after_a_whole_number_accuracy(self):
		# browsers send 15 for an accuracy the database holds as 15.0
		frappe.set_user(REP)
		visit = make_visit(self._customer_with_site())
		api.check_in(visit.name, *NEAR, accuracy=15)
		form = frappe.get_doc("Sales Visit Log", visit.name)
		form.check_in_accuracy = 15
		form.summary = "Line audit done; they want a second quote"
		form.save()
		self.assertEqual(frappe.db.get_value("Sales Visit Log", visit.name, "summary"), form.summary)

	def test_nobody_checks_in_for_the_rep_not_even_a_manager(self):
		frappe.set_user(REP)
		visit = make_visit(self._customer_with_site())
		frappe.set_user(MANAGER)
		with self.assertRaises(frappe.PermissionError):
			api.check_in(visit.name, *NEAR, accuracy=10)

	def test_an_address_of_someone_else_cannot_be_the_geofence_centre(self):
		customer = self._customer_with_site()
		elsewhere = make_site_address("Customer", make_customer(), *NEAR)
		visit = make_visit(customer)
		visit.address = elsewhere
		visit.save()
		with self.assertRaises(frappe.ValidationError) as refusal:
			api.check_in(visit.name, *NEAR, accuracy=10)
		self.assertIn("is not an address of", str(refusal.exception))

	def test_the_opportunity_must_be_the_visited_partys(self):
		other_deal = make_opportunity(self.company, make_customer())
		with self.assertRaises(frappe.ValidationError) as refusal:
			make_visit(self._customer_with_site(), other_deal.name)
		self.assertIn("is not for", str(refusal.exception))

	def test_visit_photos_cannot_be_deleted(self):
		visit = make_visit(self._customer_with_site())
		api.check_in(visit.name, *NEAR, accuracy=10)
		api.add_visit_photo(visit.name, upload_to("Sales Visit Log", visit.name, jpeg_bytes(), "site.jpg"))
		visit.reload()
		for url in (visit.photo, visit.photo_original):
			with self.assertRaises(frappe.PermissionError):
				frappe.delete_doc(
					"File", frappe.db.get_value("File", {"file_url": url, "attached_to_name": visit.name})
				)

	def test_only_managers_move_a_site_that_has_coordinates(self):
		address = frappe.get_doc("Address", make_site_address("Customer", make_customer(), *PLANT))
		frappe.set_user(REP)
		frappe.get_doc("Address", address.name)  # readable
		address.sp_latitude = NEAR[0]
		with self.assertRaises(frappe.PermissionError):
			address.save(ignore_permissions=True)
		frappe.set_user(MANAGER)
		address.reload()
		address.sp_latitude = NEAR[0]
		address.save(ignore_permissions=True)

	def test_a_rep_sees_own_visits_and_a_manager_sees_all(self):
		frappe.set_user(REP)
		own = make_visit(self._customer_with_site())
		frappe.set_user(OTHER)
		other = make_visit(self._customer_with_site())
		frappe.set_user(REP)
		visible = set(frappe.get_list("Sales Visit Log", pluck="name", limit=0))
		self.assertIn(own.name, visible)
		self.assertNotIn(other.name, visible)
		with self.assertRaises(frappe.PermissionError):
			api.check_in(other.name, *NEAR, accuracy=10)
		frappe.set_user(MANAGER)
		self.assertTrue(
			{own.name, other.name} <= set(frappe.get_list("Sales Visit Log", pluck="name", limit=0))
		)

	# the deal's progress after a visit is stamped on the visit when it happens (Visit Effectiveness)

	def _checked_in(self, customer, opportunity, hours_ago):
		with as_user(REP):
			visit = make_visit(customer, opportunity)
			api.check_in(visit.name, *NEAR, accuracy=10)
		frappe.db.set_value(
			"Sales Visit Log",
			visit.name,
			"check_in_time",
			add_to_date(now_datetime(), hours=-hours_ago),
			update_modified=False,
		)
		return visit.name

	def _progressed_on(self, *visits):
		return [frappe.db.get_value("Sales Visit Log", name, "progressed_on") for name in visits]

	def test_a_stage_advance_marks_that_deals_earlier_visits_once(self):
		customer = self._customer_with_site()
		deal = make_opportunity(self.company, customer, opportunity_owner=REP)
		other_deal = make_opportunity(self.company, customer, opportunity_owner=REP)
		earlier = self._checked_in(customer, deal.name, hours_ago=5)
		on_other_deal = self._checked_in(customer, other_deal.name, hours_ago=4)
		deal.reload()
		deal.sales_stage = "Qualification"
		deal.save()
		advanced_on = get_datetime(
			frappe.db.get_value(
				"Sales Stage Log", {"reference_name": deal.name, "to_stage": "Qualification"}, "changed_on"
			)
		)
		after = self._checked_in(customer, deal.name, hours_ago=0)  # after the move: nothing yet
		self.assertEqual(self._progressed_on(earlier, on_other_deal, after), [advanced_on, None, None])

		# a later advance neither overwrites the first nor reaches back past a visit's check-in
		frappe.db.set_value(
			"Sales Visit Log", after, "check_in_time", advanced_on + timedelta(milliseconds=1)
		)
		deal.reload()
		deal.sales_stage = "Prospecting"  # backwards: not progress
		deal.save()
		self.assertEqual(self._progressed_on(earlier, after), [advanced_on, None])
		deal.reload()
		deal.sales_stage = "Qualification"
		deal.save()
		again = get_datetime(
			frappe.db.get_all(
				"Sales Stage Log",
				filters={"reference_name": deal.name, "to_stage": "Qualification"},
				pluck="changed_on",
				order_by="changed_on desc",
				limit=1,
			)[0]
		)
		self.assertEqual(self._progressed_on(earlier, after, on_other_deal), [advanced_on, again, None])

	def test_a_completed_checkpoint_marks_that_deals_earlier_visits(self):
		customer = self._customer_with_site()
		deal = make_opportunity(self.company, customer, opportunity_owner=REP)
		other_deal = make_opportunity(self.company, customer, opportunity_owner=REP)
		before = self._checked_in(customer, deal.name, hours_ago=3)
		on_other_deal = self._checked_in(customer, other_deal.name, hours_ago=3)
		(record,) = records(deal.name, "Requirement Clarification")
		api.complete_checkpoint(record.name, summary="40 units by March", attachment=attach_file(record.name))
		completed_on = get_datetime(
			frappe.db.get_value("Sales Checkpoint Record", record.name, "completed_on")
		)
		self.assertEqual(self._progressed_on(before, on_other_deal), [completed_on, None])

	def test_a_rep_cannot_write_when_the_deal_progressed(self):
		customer = self._customer_with_site()
		deal = make_opportunity(self.company, customer, opportunity_owner=REP)
		visit = self._checked_in(customer, deal.name, hours_ago=2)
		forged = add_to_date(now_datetime(), hours=-1)
		with as_user(REP):
			rest_put("Sales Visit Log", visit, {"progressed_on": forged, "summary": "met the buyer"})
			doc = frappe.get_doc("Sales Visit Log", visit)
			doc.progressed_on = forged
			doc.save()
			new = frappe.get_doc(
				{
					"doctype": "Sales Visit Log",
					"party_type": "Customer",
					"party": customer,
					"progressed_on": forged,
				}
			).insert()
		self.assertEqual(self._progressed_on(visit, new.name), [None, None])
		self.assertEqual(frappe.db.get_value("Sales Visit Log", visit, "summary"), "met the buyer")
		# what the server stamped stays through the rep's next save of an old form
		frappe.db.set_value("Sales Visit Log", visit, "progressed_on", forged, update_modified=False)
		with as_user(REP):
			doc.summary = "met the buyer and the engineer"
			doc.progressed_on = None
			doc.save()
		self.assertEqual(self._progressed_on(visit), [get_datetime(forged)])
