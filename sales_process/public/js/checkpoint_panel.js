// Checkpoint panel shared by the Opportunity, Quotation and Sales Order forms and the
// record's own form: each record's traffic light, what it still lacks, its evidence, and
// one short dialog to complete or waive it (works on a phone).
frappe.provide("sales_process");

sales_process.OPEN = ["Pending", "Due Soon", "Overdue"];
sales_process.INDICATORS = {
	Pending: "blue",
	"Due Soon": "orange",
	Overdue: "red",
	Completed: "green",
	Waived: "gray",
	Cancelled: "gray",
};
// comfortable touch targets on phones
$("<style>.sp-checkpoints .sp-tap, .sp-tap { min-height: 40px; min-width: 88px; }</style>").appendTo("head");
sales_process.CONCERNS = ["Price", "Quality", "Delivery", "Service", "Technology", "Brand", "Relationship", "Other"];
sales_process.DECISION_ROLES = ["Initiator", "Influencer", "Decision Maker", "Veto Holder", "User"];

sales_process.fetch_panel = function (frm, draw) {
	if (frm.is_new()) return;
	frappe.call({
		method: "sales_process.api.get_checkpoint_panel",
		args: { reference_doctype: frm.doctype, reference_name: frm.doc.name },
		callback: ({ message }) => draw(message),
	});
};

sales_process.capitalized = (text) => (text ? text.charAt(0).toUpperCase() + text.slice(1) : text);

// "in 5 hours" / "3 days ago", from two times in the same (user) time zone, so a
// browser whose clock zone differs from the site's cannot shift it.
sales_process.relative = function (value) {
	const then = moment(frappe.datetime.convert_to_user_tz(value));
	const now = moment(frappe.datetime.now_datetime());
	const minutes = Math.round(Math.abs(then.diff(now, "minutes")));
	const hours = Math.round(minutes / 60);
	const days = Math.round(minutes / 1440);
	let span;
	if (minutes < 60) span = minutes === 1 ? __("1 minute") : __("{0} minutes", [minutes]);
	else if (minutes < 48 * 60) span = hours === 1 ? __("1 hour") : __("{0} hours", [hours]);
	else span = __("{0} days", [days]);
	return then.isAfter(now) ? __("in {0}", [span]) : __("{0} ago", [span]);
};

sales_process.when = function (row) {
	const esc = frappe.utils.escape_html;
	const at = (value) =>
		`${frappe.datetime.str_to_user(frappe.datetime.convert_to_user_tz(value))} (${sales_process.relative(value)})`;
	if (row.status === "Waived") {
		return `${__("Waived by {0}", [esc(row.waived_by_name || row.waived_by || "")])}: ${esc(row.waiver_reason || "")}`;
	}
	if (row.status === "Cancelled") return esc(row.evidence_note || __("Cancelled"));
	if (row.completed_on) return `${__("Completed")} ${at(row.completed_on)}`;
	if (row.due_on) return `${__("Due")} ${at(row.due_on)}`;
	return "";
};

// What backs a closed row: its files (private links the reader's permission opens) and the verification note.
sales_process.evidence_html = function (row) {
	const esc = frappe.utils.escape_html;
	const link = (href, text) =>
		`<a href="${href}" target="_blank" rel="noopener" style="color: var(--text-color); text-decoration: underline">${esc(text)}</a>`;
	const parts = (row.evidence_files || []).map((file) => link(encodeURI(file.file), file.file_name || file.file));
	if (row.evidence_document) {
		const doc = row.evidence_document;
		parts.push(link(`/app/${frappe.router.slug(doc.doctype)}/${encodeURIComponent(doc.name)}`, doc.text || `${doc.label} ${doc.name}`));
	} else if (row.status === "Completed" && row.evidence_note) {
		parts.push(esc(row.evidence_note));
	}
	if (row.match_ratio !== null && row.match_ratio !== undefined && row.status === "Completed") {
		parts.push(__("Purchase history match {0}%", [row.match_ratio]));
	}
	return parts.length ? `<div class="small">${__("Evidence")}: ${parts.join(" · ")}</div>` : "";
};

// While Solution Match Verification is open: the ratio now and the items the customer never bought.
sales_process.match_html = function (row) {
	if (!sales_process.OPEN.includes(row.status)) return "";
	if (row.no_purchase_history) {
		return `<div class="small">${__("This customer has no purchase history yet: nothing to match, the quotation can be submitted.")}</div>`;
	}
	if (row.match_ratio === null || row.match_ratio === undefined) return "";
	const esc = frappe.utils.escape_html;
	const unmatched = row.unmatched_items.length
		? ` · ${__("Not bought before")}: ${row.unmatched_items.map(esc).join(", ")}`
		: "";
	return `<div class="small">${__("Purchase history match {0}%", [row.match_ratio])}${unmatched}</div>`;
};

// Complete from the panel or the record's own form: each kind of evidence has its own short dialog.
sales_process.complete = function (frm, row, deal) {
	if (row.needs_competitor_response) sales_process.competitor_dialog(frm, row.competitor, deal);
	else if (row.needs_strategy) sales_process.strategy_dialog(frm, row);
	else if (row.needs_decision_roles) sales_process.decision_chain_dialog(frm, row, deal);
	else sales_process.complete_dialog(frm, row);
};

sales_process.document_link = function (row) {
	if (!row.document) return "";
	const esc = frappe.utils.escape_html;
	const route = `/app/${frappe.router.slug(row.document.doctype)}/${encodeURIComponent(row.document.name)}`;
	return ` · <a href="${route}">${esc(row.document.label)} ${esc(row.document.name)}</a>`;
};

// The deal's open alerts, above its checkpoints: what a manager was asked to do about it.
sales_process.draw_alerts = function ($wrapper, alerts) {
	if (!alerts || !alerts.length) return;
	const esc = frappe.utils.escape_html;
	$(`<div class="sp-alerts" style="margin-bottom: var(--margin-sm)">${alerts
		.map(
			(alert) => `<div class="small" style="padding: 6px 8px; margin-bottom: 4px; border-radius: var(--border-radius);
				background: var(--${alert.level === "Reminder" ? "yellow" : "red"}-highlight-color, var(--bg-light-gray))">
				<span class="indicator-pill ${alert.level === "Reminder" ? "orange" : "red"}">${esc(alert.level_label)}</span>
				<a href="/app/sales-process-alert/${encodeURIComponent(alert.name)}">${esc(alert.message)}</a>
				${alert.action_text ? `<div class="text-muted">${esc(alert.action_text)}</div>` : ""}
			</div>`
		)
		.join("")}</div>`).appendTo($wrapper);
};

// The deal's close probability, where it comes from and the facts that move it most (open deals).
sales_process.draw_probability = function ($wrapper, probability) {
	if (!probability || probability.closed) return;
	const esc = frappe.utils.escape_html;
	const model = probability.source === "Model";
	const scored = probability.scored_on ? ` · ${__("changed {0}", [sales_process.relative(probability.scored_on)])}` : "";
	const reasons = (probability.reasons || [])
		.map(
			(reason) =>
				`<li style="color: var(--${reason.points < 0 ? "red" : "green"}-600, inherit)">${esc(reason.text)}</li>`
		)
		.join("");
	$(`<div class="sp-probability" style="margin-bottom: var(--margin-sm); padding: 8px; border: 1px solid var(--border-color); border-radius: var(--border-radius)">
		<div style="display: flex; justify-content: space-between; align-items: baseline; gap: 8px; flex-wrap: wrap">
			<span class="small text-muted">${__("Close probability")}</span>
			<span><b style="font-size: 1.4em">${esc(String(probability.probability))}%</b>
				<span class="indicator-pill ${model ? "blue" : "gray"}">${esc(__(probability.source))}</span></span>
		</div>
		<div class="small text-muted">${esc(probability.source_label)}${scored}</div>
		${reasons ? `<ul class="small" style="margin: 4px 0 0 1em; padding: 0">${reasons}</ul>` : ""}
	</div>`).appendTo($wrapper);
};

sales_process.draw_panel = function (frm, $wrapper, panel) {
	const esc = frappe.utils.escape_html;
	$wrapper.empty();
	sales_process.draw_alerts($wrapper, panel && panel.alerts);
	sales_process.draw_probability($wrapper, panel && panel.probability);
	if (!panel || !panel.records.length) {
		$wrapper.append(`<p class="text-muted small">${__("No checkpoints have started for this opportunity.")}</p>`);
		sales_process.add_competitor_button(frm, $wrapper, panel);
		return;
	}
	const compliance =
		panel.compliance === null || panel.compliance === undefined ? __("nothing due yet") : `${panel.compliance}%`;
	const $panel = $(`<div class="sp-checkpoints">
		<div class="small text-muted" style="margin-bottom: var(--margin-sm)">
			${__("Process compliance")}: <b>${compliance}</b>
		</div></div>`).appendTo($wrapper);

	panel.records.forEach((row) => {
		const missing = row.missing.length
			? `<ul class="small text-muted" style="margin: 4px 0 0 1em; padding: 0">${row.missing
					.map((m) => `<li>${esc(m)}</li>`)
					.join("")}</ul>`
			: "";
		const $row = $(`<div class="sp-checkpoint" style="padding: var(--padding-sm) 0; border-bottom: 1px solid var(--border-color)">
			<div style="display: flex; justify-content: space-between; align-items: center; gap: 8px; flex-wrap: wrap">
				<span><b><a href="/app/sales-checkpoint-record/${encodeURIComponent(row.name)}">${esc(row.checkpoint_label)}</a></b>${
			row.competitor ? ` · ${esc(row.competitor)}` : ""
		}${row.risk_label ? ` · ${esc(row.risk_label)}` : ""}${frm.doctype === "Opportunity" ? sales_process.document_link(row) : ""}</span>
				<span class="indicator-pill ${sales_process.INDICATORS[row.status] || "gray"}">${esc(row.status_label)}</span>
			</div>
			<div class="small text-muted">${sales_process.when(row)}</div>
			${sales_process.match_html(row)}
			${missing}
			${sales_process.evidence_html(row)}
			<div class="sp-actions" style="margin-top: 8px; display: flex; gap: 8px; flex-wrap: wrap"></div>
		</div>`).appendTo($panel);
		const $actions = $row.find(".sp-actions");
		if (!sales_process.OPEN.includes(row.status)) return;
		$(`<button class="btn btn-primary sp-tap">${__("Complete")}</button>`)
			.appendTo($actions)
			.on("click", () => sales_process.complete(frm, row));
		if (row.can_waive) {
			$(`<button class="btn btn-default sp-tap">${__("Waive")}</button>`)
				.appendTo($actions)
				.on("click", () => sales_process.waive_dialog(frm, row));
		}
	});
	sales_process.add_competitor_button(frm, $wrapper, panel);
};

// ERPNext shows an Opportunity's competitors only once it is lost; reps name them here, on open deals.
sales_process.add_competitor_button = function (frm, $wrapper, panel) {
	if (frm.doctype !== "Opportunity" || !frm.perm[0]?.write) return;
	if ((panel && panel.deal_closed) || ["Lost", "Closed", "Converted"].includes(frm.doc.status)) return;
	$(`<button class="btn btn-default sp-tap" style="margin-top: var(--margin-sm)">${__("Record a Competitor")}</button>`)
		.appendTo($wrapper)
		.on("click", () => sales_process.competitor_dialog(frm));
};

sales_process.after_completion = function (frm, dialog, message) {
	dialog && dialog.hide();
	frappe.show_alert({ message: message || __("Checkpoint completed"), indicator: "green" });
	frm.reload_doc();
};

// `deal` defaults to the form's own document (the Opportunity).
sales_process.competitor_dialog = function (frm, competitor, deal) {
	deal = deal || { doctype: frm.doctype, name: frm.doc.name };
	const dialog = new frappe.ui.Dialog({
		title: __("Competitor Response"),
		fields: [
			{ fieldname: "competitor", fieldtype: "Link", options: "Competitor", label: __("Competitor"), reqd: 1, default: competitor },
			{ fieldname: "competitor_model", fieldtype: "Data", label: __("Competitor Model / Offer") },
			{
				fieldname: "customer_concern",
				fieldtype: "Select",
				label: __("Customer's Main Concern"),
				reqd: 1,
				options: sales_process.CONCERNS.map((value) => ({ value, label: __(value) })),
			},
			{ fieldname: "our_advantages", fieldtype: "Small Text", label: __("Our Advantages"), reqd: 1 },
		],
		primary_action_label: __("Save"),
		primary_action(values) {
			frappe.call({
				method: "sales_process.api.record_competitor",
				args: { reference_doctype: deal.doctype, reference_name: deal.name, ...values },
				freeze: true,
				callback: () => sales_process.after_completion(frm, dialog, __("Competitor response recorded")),
			});
		},
	});
	dialog.show();
};

sales_process.attach_to_record = function (dialog, row) {
	// evidence belongs to the checkpoint record and stays private
	if (dialog.fields_dict.attachment) {
		dialog.fields_dict.attachment.df.options = {
			doctype: "Sales Checkpoint Record",
			docname: row.name,
			fieldname: "attachment",
			make_attachments_public: false,
			disable_file_browser: true,
		};
	}
};

sales_process.attachment_field = (row, label) => ({
	fieldname: "attachment",
	fieldtype: "Attach",
	label: sales_process.capitalized(row.attachment_label) || label || __("Evidence file"),
	reqd: 1,
	default: row.attachment,
});

sales_process.complete_dialog = function (frm, row) {
	const fields = [];
	if (row.needs_attachment) fields.push(sales_process.attachment_field(row));
	if (row.needs_summary) {
		fields.push({
			fieldname: "summary",
			fieldtype: "Small Text",
			label: sales_process.capitalized(row.summary_label) || __("Summary"),
			reqd: 1,
			default: row.summary,
			description: row.summary_min > 1 ? __("At least {0} characters", [row.summary_min]) : "",
		});
	}
	if (!fields.length) {
		fields.push({
			fieldname: "info",
			fieldtype: "HTML",
			options: `<p>${__("This checkpoint is verified from the deal itself. Fill in what is missing, then complete it.")}</p>${
				row.missing.length ? `<ul>${row.missing.map((m) => `<li>${frappe.utils.escape_html(m)}</li>`).join("")}</ul>` : ""
			}`,
		});
	}
	const dialog = new frappe.ui.Dialog({
		title: row.checkpoint_label,
		fields,
		primary_action_label: __("Complete"),
		primary_action(values) {
			frappe.call({
				method: "sales_process.api.complete_checkpoint",
				args: { record: row.name, summary: values.summary, attachment: values.attachment },
				freeze: true,
				callback: () => sales_process.after_completion(frm, dialog),
			});
		},
	});
	// a refused completion keeps the uploaded file on the record: show it when reopened
	dialog.onhide = () => frm.reload_doc();
	sales_process.attach_to_record(dialog, row);
	dialog.show();
};

// Decision Chain Mapping: one person per missing role (the role is the field's label) and the minutes —
// plain fields, so a phone shows them one under the other. A person is picked from the customer's
// contacts or typed by name (someone not yet a contact), without leaving the dialog.
sales_process.decision_chain_dialog = function (frm, row, deal) {
	const party = frm.doctype === "Opportunity" ? frm.doc.party_name : null;
	const contacts = party
		? frappe.db.get_list("Contact", {
				filters: [["Dynamic Link", "link_name", "=", party]],
				fields: ["name", "full_name"],
				limit: 50,
		  })
		: Promise.resolve([]);
	contacts.then((people) => {
		const options = people.map((person) => ({ value: person.name, label: person.full_name || person.name }));
		const roles = row.missing_roles.length ? row.missing_roles : [];
		const fields = roles.map((role, index) => ({
			fieldname: `person_${index}`,
			fieldtype: "Autocomplete",
			options,
			// a name typed here is kept: the person need not be a contact yet
			ignore_validation: 1,
			label: __(role),
			reqd: 1,
			description: index === 0 ? __("Pick the customer's contact, or type the person's name.") : "",
		}));
		if (row.needs_attachment) fields.push(sales_process.attachment_field(row, __("Meeting minutes")));
		if (!fields.length) {
			fields.push({ fieldname: "info", fieldtype: "HTML", options: `<p>${__("Every role is marked. Complete to check the rest.")}</p>` });
		}
		const known = new Set(people.map((person) => person.name));
		const dialog = new frappe.ui.Dialog({
			title: row.checkpoint_label,
			fields,
			primary_action_label: __("Complete"),
			primary_action(values) {
				const chain = roles
					.map((role, index) => {
						const value = (values[`person_${index}`] || "").trim();
						if (!value) return null;
						return known.has(value) ? { role, contact: value } : { role, full_name: value };
					})
					.filter(Boolean);
				frappe.call({
					method: "sales_process.api.complete_checkpoint",
					args: { record: row.name, attachment: values.attachment, decision_makers: chain },
					freeze: true,
					callback: () => sales_process.after_completion(frm, dialog),
				});
			},
		});
		dialog.onhide = () => frm.reload_doc();
		sales_process.attach_to_record(dialog, row);
		dialog.show();
	});
};

// Risk Pre-registration: the rep chooses (or confirms the suggested) response strategy.
sales_process.strategy_dialog = function (frm, row) {
	const dialog = new frappe.ui.Dialog({
		title: row.checkpoint_label,
		fields: [
			{
				fieldname: "strategy",
				fieldtype: "Link",
				options: "Sales Response Strategy",
				label: __("Response Strategy"),
				reqd: 1,
				default: row.suggested_strategy,
				description: row.suggested_strategy ? __("Suggested for this risk; confirm it or choose another.") : "",
			},
		],
		primary_action_label: __("Complete"),
		primary_action(values) {
			frappe.call({
				method: "sales_process.api.complete_checkpoint",
				args: { record: row.name, strategy: values.strategy },
				freeze: true,
				callback: () => sales_process.after_completion(frm, dialog),
			});
		},
	});
	dialog.show();
};

sales_process.waive_dialog = function (frm, row) {
	frappe.prompt(
		[{ fieldname: "reason", fieldtype: "Small Text", label: __("Why is it waived?"), reqd: 1 }],
		(values) =>
			frappe.call({
				method: "sales_process.api.waive_checkpoint",
				args: { record: row.name, reason: values.reason },
				freeze: true,
				callback: () => {
					frappe.show_alert({ message: __("Checkpoint waived"), indicator: "blue" });
					frm.reload_doc();
				},
			}),
		__("Waive {0}", [row.checkpoint_label]),
		__("Waive")
	);
};

// Quotation and Sales Order: the checkpoints this document started, above the form.
sales_process.setup_selling_form = function (doctype) {
	frappe.ui.form.on(doctype, {
		refresh(frm) {
			frm.sp_checkpoint_section && frm.sp_checkpoint_section.remove();
			frm.sp_checkpoint_section = null;
			sales_process.fetch_panel(frm, (panel) => {
				// two refreshes right after the first save can both answer: keep one section
				frm.layout.wrapper.find(".sp-document-checkpoints").remove();
				if (!panel || !panel.records.length) return;
				const $section = $(`<div class="form-dashboard-section sp-document-checkpoints" style="padding: var(--padding-md)">
					<div class="section-head">${__("Checkpoints")}</div>
					<div class="section-body"></div></div>`);
				frm.layout.wrapper.prepend($section);
				frm.sp_checkpoint_section = $section;
				sales_process.draw_panel(frm, $section.find(".section-body"), panel);
			});
		},
	});
};
