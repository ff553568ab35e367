// A visit on a phone: big buttons at the top of the form for the next step —
// Check In (browser location, stamped by the server), Add Photo, Record Objection, Check Out.
frappe.ui.form.on("Sales Visit Log", {
	setup(frm) {
		// only the visited party's addresses and opportunities (the server refuses others)
		frm.set_query("address", () => ({
			query: "frappe.contacts.doctype.address.address.address_query",
			filters: { link_doctype: frm.doc.party_type, link_name: frm.doc.party },
		}));
		frm.set_query("reference_name", () => ({
			filters: { opportunity_from: frm.doc.party_type, party_name: frm.doc.party },
		}));
	},

	// picking the customer fills its site address and, when it has just one open deal, that deal
	party(frm) {
		if (!frm.doc.party || frm.doc.check_in_time) return;
		frappe
			.xcall("sales_process.api.visit_defaults", { party_type: frm.doc.party_type, party: frm.doc.party })
			.then((defaults) => {
				frm.set_value("address", defaults.address || "");
				if (defaults.opportunity) {
					frm.set_value("reference_doctype", "Opportunity");
					frm.set_value("reference_name", defaults.opportunity);
				}
			});
	},

	refresh(frm) {
		const field = frm.get_field("visit_actions");
		field.$wrapper.empty();
		sales_process_visit.show_photo(frm);
		sales_process_visit.show_objections(frm);
		if (frm.doc.needs_review) {
			const reasons = (frm.doc.__onload || {}).flags || frm.doc.flags_note || "";
			frm.dashboard.set_headline_alert(frappe.utils.escape_html(reasons).replace(/\n/g, "<br>"), "orange");
			if (frappe.user.has_role("Sales Manager") && frm.doc.rep !== frappe.session.user) {
				frm.add_custom_button(__("Mark Reviewed"), () =>
					frappe.prompt(
						[{ fieldname: "comment", fieldtype: "Small Text", label: __("What did you check?"), reqd: 1 }],
						({ comment }) =>
							frappe.call({
								method: "sales_process.api.review_visit",
								args: { visit: frm.doc.name, comment },
								callback: () => frm.reload_doc(),
							}),
						__("Mark Reviewed"),
						__("Mark Reviewed")
					)
				);
			}
		}
		// only the rep acts on their own visit; a new visit is saved by its first tap
		if (!frm.is_new() && frm.doc.rep !== frappe.session.user) return;
		const actions = [];
		if (!frm.doc.check_in_time) {
			actions.push([__("Check In"), "btn-primary", () => sales_process_visit.check_in(frm)]);
		} else {
			if (!frm.doc.photo) actions.push([__("Add Photo"), "btn-default", () => sales_process_visit.add_photo(frm)]);
			actions.push([__("Record Objection"), "btn-default", () => sales_process_visit.objection_dialog(frm)]);
			if (!frm.doc.check_out_time) {
				actions.push([__("Check Out"), "btn-primary", () => sales_process_visit.check_out(frm)]);
			}
		}
		const $bar = $('<div style="display: flex; flex-wrap: wrap; gap: 8px; margin-bottom: var(--margin-md)"></div>').appendTo(
			field.$wrapper
		);
		actions.forEach(([label, style, action]) =>
			$(`<button class="btn ${style}" style="min-height: 44px; flex: 1 1 140px">${label}</button>`)
				.appendTo($bar)
				.on("click", action)
		);
	},
});

const sales_process_visit = {
	check_out(frm) {
		frappe.prompt(
			[
				{ fieldname: "summary", fieldtype: "Small Text", label: __("What was said"), default: frm.doc.summary },
				{ fieldname: "next_step", fieldtype: "Small Text", label: __("Next Step"), default: frm.doc.next_step },
			],
			(values) =>
				frappe.call({
					method: "sales_process.api.check_out",
					args: { visit: frm.doc.name, ...values },
					freeze: true,
					callback: () => {
						frm.reload_doc();
						// the summary may have named a risk
						sales_process_visit.ask_risk_strategies(frm.doc.reference_name);
					},
				}),
			__("Check Out"),
			__("Check Out")
		);
	},

	// the stamped copy, large enough to read its band on a phone
	show_photo(frm) {
		const field = frm.get_field("photo_preview");
		if (!field) return;
		field.$wrapper.empty();
		if (!frm.doc.photo) return;
		const url = encodeURI(frm.doc.photo);
		const original = frm.doc.photo_original
			? ` · <a href="${encodeURI(frm.doc.photo_original)}" target="_blank" rel="noopener">${__("Original Photo")}</a>`
			: "";
		field.$wrapper.html(
			`<a href="${url}" target="_blank" rel="noopener"><img src="${url}" alt="${__("Watermarked Photo")}" style="max-width: 100%; border-radius: var(--border-radius)"></a>
			<div class="small text-muted">SHA-256 ${frappe.utils.escape_html(frm.doc.photo_sha256 || "")}${original}</div>`
		);
	},

	show_objections(frm) {
		const field = frm.get_field("objections_html");
		if (!field) return;
		field.$wrapper.empty();
		if (frm.is_new()) return;
		frappe.db
			.get_list("Sales Objection", {
				filters: { visit: frm.doc.name },
				fields: ["name", "objection_type", "customer_words", "risk_signal"],
				order_by: "creation asc",
			})
			.then((rows) => {
				if (!rows.length) return;
				const esc = frappe.utils.escape_html;
				field.$wrapper.html(
					`<div class="small text-muted">${__("Objections Heard")}</div><ul style="padding-left: 1.2em">${rows
						.map(
							(row) =>
								`<li><a href="/app/sales-objection/${encodeURIComponent(row.name)}">${esc(__(row.objection_type || ""))}</a>: ${esc(
									row.customer_words || ""
								)}${row.risk_signal ? ` <span class="indicator-pill orange">${__("Risk")}</span>` : ""}</li>`
						)
						.join("")}</ul>`
				);
			});
	},

	// A risk heard on the visit (a tender, no budget) waits for the rep's strategy: ask now, while
	// the rep is still with the customer, so Risk Pre-registration is met on time. Every open risk
	// of the deal without a strategy is asked, wherever it was heard (objection, summary, email).
	ask_risk_strategies(deal) {
		if (!deal) return;
		frappe.db
			.get_list("Sales Risk Signal", {
				filters: { reference_doctype: "Opportunity", reference_name: deal, status: "Open", strategy: ["is", "not set"] },
				fields: ["name", "risk_type", "suggested_strategy"],
			})
			.then((signals) => {
				const next = () => {
					const signal = signals.shift();
					if (!signal) return;
					frappe.prompt(
						[
							{
								fieldname: "strategy",
								fieldtype: "Link",
								options: "Sales Response Strategy",
								label: __("Response Strategy"),
								reqd: 1,
								default: signal.suggested_strategy,
								description: __("Suggested for this risk; confirm it or choose another."),
							},
						],
						({ strategy }) =>
							frappe
								.xcall("sales_process.api.choose_risk_strategy", { signal: signal.name, strategy })
								.then(() => {
									frappe.show_alert({ message: __("Risk Pre-registration completed"), indicator: "green" });
									next();
								}),
						__("Risk heard: {0}", [__(signal.risk_type)]),
						__("Confirm")
					);
				};
				next();
			});
	},

	check_in(frm) {
		if (frm.is_new()) {
			// one tap on a new visit: save it, then check in
			frm.save().then(() => sales_process_visit.check_in(frm));
			return;
		}
		if (!navigator.geolocation) {
			frappe.msgprint(__("This browser cannot share its location. Use a phone browser with location enabled."));
			return;
		}
		frappe.dom.freeze(__("Reading your location…"));
		navigator.geolocation.getCurrentPosition(
			(position) => {
				frappe.dom.unfreeze();
				frappe.call({
					method: "sales_process.api.check_in",
					args: {
						visit: frm.doc.name,
						latitude: position.coords.latitude,
						longitude: position.coords.longitude,
						accuracy: position.coords.accuracy,
					},
					freeze: true,
					callback: ({ message }) => {
						frappe.show_alert({
							message: __("Checked in: {0}", [__(message.geofence_result)]),
							indicator: message.needs_review ? "orange" : "green",
						});
						frm.reload_doc();
					},
				});
			},
			(error) => {
				frappe.dom.unfreeze();
				frappe.msgprint(
					__("Your location could not be read ({0}). Allow location access for this site, then tap Check In again.", [
						error.message,
					])
				);
			},
			{ enableHighAccuracy: true, timeout: 20000, maximumAge: 0 }
		);
	},

	add_photo(frm) {
		new frappe.ui.FileUploader({
			doctype: frm.doctype,
			docname: frm.doc.name,
			make_attachments_public: false,
			disable_file_browser: true,
			allow_multiple: false,
			restrictions: { allowed_file_types: ["image/*"] },
			// the server hashes the bytes as sent, before Frappe strips EXIF on save
			method: "sales_process.api.upload_visit_photo",
			on_success() {
				frm.reload_doc();
			},
		});
	},

	objection_dialog(frm) {
		const dialog = new frappe.ui.Dialog({
			title: __("Record Objection"),
			fields: [
				{ fieldname: "customer_words", fieldtype: "Small Text", label: __("What the Customer Said"), reqd: 1 },
				{
					fieldname: "objection_type",
					fieldtype: "Link",
					options: "Sales Objection Type",
					label: __("Objection Type"),
					description: __("Suggested from the words; change it if it is wrong."),
				},
				{ fieldname: "strategy", fieldtype: "Link", options: "Sales Response Strategy", label: __("Response Strategy") },
				// a visit without a deal (the customer has several): say which one, so risks land on it
				{
					fieldname: "deal",
					fieldtype: "Link",
					options: "Opportunity",
					label: __("Opportunity"),
					hidden: frm.doc.reference_name ? 1 : 0,
					description: __("The customer's deal this is about: a risk in the words is raised on it."),
					get_query: () => ({
						filters: { opportunity_from: frm.doc.party_type, party_name: frm.doc.party, status: ["not in", ["Lost", "Closed", "Converted"]] },
					}),
				},
			],
			primary_action_label: __("Save"),
			primary_action(values) {
				const deal = frm.doc.reference_name || values.deal;
				delete values.deal;
				frappe.db
					.insert({
						doctype: "Sales Objection",
						reference_doctype: frm.doc.reference_doctype || "Opportunity",
						reference_name: deal,
						visit: frm.doc.name,
						source: "Visit",
						...values,
					})
					.then((doc) => {
						dialog.hide();
						frappe.show_alert({ message: __("Objection {0} recorded", [doc.name]), indicator: "green" });
						frm.reload_doc();
						sales_process_visit.ask_risk_strategies(doc.reference_name);
					});
			},
		});
		dialog.fields_dict.customer_words.$input.on(
			"change",
			frappe.utils.debounce(() => {
				const text = dialog.get_value("customer_words");
				if (!text || dialog.get_value("objection_type")) return;
				frappe
					.xcall("sales_process.api.suggest_objection_type", { text })
					.then((suggestion) => suggestion && dialog.set_value("objection_type", suggestion));
			}, 300)
		);
		dialog.show();
	},
};
