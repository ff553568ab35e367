// Lead: why the lead scores what it scores, computed when the form opens, in the reader's language.
frappe.ui.form.on("Lead", {
	refresh(frm) {
		const field = frm.fields_dict.sp_score_html;
		if (!field) return;
		const data = (frm.doc.__onload || {}).sp_lead_score;
		if (!data) {
			field.$wrapper.html("");
			return;
		}
		const esc = frappe.utils.escape_html;
		const colour = { A: "green", B: "blue", C: "orange", D: "gray" }[data.grade] || "gray";
		const verdict = data.pooled
			? `<span class="indicator-pill green">${__("In Lead Pool")}</span>`
			: `<span class="indicator-pill red">${__("Not in Lead Pool")}</span>`;
		const lines = (data.reasons || [])
			.map((r) => `<li style="color: var(--${r.fails ? "red" : "text"}-color, inherit)">${esc(r.text)}</li>`)
			.join("");
		field.$wrapper.html(`
			<div class="sp-lead-score">
				<p>
					<span class="indicator-pill ${colour}">${__("Grade {0}", [esc(data.grade)])}</span>
					<b style="margin: 0 8px">${__("Score now: {0}", [data.score])}</b>
					${verdict}
				</p>
				<p class="text-muted">${__("Fit points {0}, activity points {1} (rule {2}).", [
					data.fit_points,
					data.activity_points,
					esc(data.rule),
				])}</p>
				${lines ? `<ul>${lines}</ul>` : ""}
			</div>`);
	},
});
