//! The Discount codes tab: the codes, how often each was used, and one form that adds a code or
//! edits the one picked from the list.
use crate::forms::{optional_number, trimmed, FieldError, FormState, Input, Select};
use crate::pages::editor::{Editor, EditorTab, ItemFields, ItemRow, TabText};
use crate::pages::event::use_event;
use crate::pages::Column;
use app::admin::{AdminEvent, Discount, DiscountInput, DiscountKind};
use app::model::TicketTypeId;
use app::money::format_amount;
use leptos::prelude::*;

const FIELDS: &[&str] = &["code", "kind", "amount", "max_uses", "expires_local", "ticket_type_ids"];

#[derive(Clone, Copy, Default)]
struct DiscountFields {
    code: RwSignal<String>,
    kind: RwSignal<String>,
    amount: RwSignal<String>,
    max_uses: RwSignal<String>,
    expires_local: RwSignal<String>,
    ticket_type_ids: RwSignal<Vec<TicketTypeId>>,
}

impl ItemFields for DiscountFields {
    type Item = Discount;
    type Input = DiscountInput;

    fn clear(self) {
        for field in [self.code, self.amount, self.max_uses, self.expires_local] {
            field.set(String::new());
        }
        self.kind.set(DiscountKind::Percent.as_str().to_string());
        self.ticket_type_ids.set(Vec::new());
    }

    fn fill(self, d: &Discount) {
        self.code.set(d.code.clone());
        self.kind.set(d.kind.as_str().to_string());
        self.amount.set(d.amount_display.clone());
        self.max_uses.set(d.max_uses.map(|n| n.to_string()).unwrap_or_default());
        self.expires_local.set(d.expires_local.clone());
        self.ticket_type_ids.set(d.ticket_type_ids.clone());
    }

    fn input(self, form: FormState) -> Option<DiscountInput> {
        let code = form.required("code", self.code, "Please enter the code buyers will type.");
        let amount = form.required("amount", self.amount, "Please enter how much the code takes off.");
        let max_uses = optional_number(form, "max_uses", &trimmed(self.max_uses));
        if form.has_errors() {
            return None;
        }
        Some(DiscountInput {
            code,
            kind: trimmed(self.kind),
            amount,
            max_uses: max_uses?,
            expires_local: trimmed(self.expires_local),
            ticket_type_ids: self.ticket_type_ids.get_untracked(),
        })
    }

    fn list(event: &mut AdminEvent) -> &mut Vec<Self::Item> {
        &mut event.discounts
    }

    fn id(item: &Self::Item) -> i64 {
        item.id
    }
}

const KINDS: &[(&str, &str)] = &[("percent", "Percent off"), ("fixed", "Fixed amount off each ticket")];
static TEXT: TabText = TabText { title: "Discount codes", intro: None, noun: "discount code", empty: "No discount codes." };
const COLUMNS: &[Column] = &[("Code", false), ("Discount", false), ("Applies to", false), ("Uses", true), ("Expires", false)];

/// "12.5% off", "€5.00 off each ticket".
fn describe(d: &Discount, currency: &str) -> String {
    match d.kind {
        DiscountKind::Percent => format!("{}% off", d.amount_display),
        DiscountKind::Fixed => format!("{} off each ticket", format_amount(d.amount, currency)),
    }
}

#[component]
pub fn DiscountsTab() -> impl IntoView {
    let ctx = use_event();
    let editor = Editor::new(DiscountFields::default(), ctx, "discounts", FIELDS);
    let (fields, form) = (editor.fields, editor.form);
    let submit = move |ev: leptos::ev::SubmitEvent| editor.submit(ev, |saved| format!("Saved the code {}.", saved.code));

    let rows = move || {
        let (discounts, types, currency) = ctx.event.with(|e| (e.discounts.clone(), e.ticket_types.clone(), e.currency.clone()));
        discounts
            .into_iter()
            .map(|d| {
                let applies = if d.ticket_type_ids.is_empty() {
                    "All ticket types".to_string()
                } else {
                    types.iter().filter(|t| d.ticket_type_ids.contains(&t.id)).map(|t| t.name.clone()).collect::<Vec<_>>().join(", ")
                };
                let uses = match d.max_uses {
                    Some(max) => format!("{} of {max}", d.uses),
                    None => format!("{} (no limit)", d.uses),
                };
                let expires = if d.expires_local.is_empty() { "Never".to_string() } else { d.expires_local.clone() };
                let (code, described) = (d.code.clone(), describe(&d, &currency));
                view! {
                    <ItemRow editor item=d name=code.clone() focus="discount-code" deleted=format!("Deleted the code {code}.")>
                        <td><code class="code">{code}</code></td>
                        <td>{described}</td>
                        <td>{applies}</td>
                        <td class="num">{uses}</td>
                        <td>{expires}</td>
                    </ItemRow>
                }
            })
            .collect_view()
    };
    let checkboxes = move || {
        ctx.event
            .with(|e| e.ticket_types.clone())
            .into_iter()
            .map(|t| {
                let id = t.id;
                let input_id = format!("discount-tt-{id}");
                view! {
                    <div class="check">
                        <input
                            type="checkbox"
                            id=input_id.clone()
                            name="ticket_type_ids"
                            value=id.to_string()
                            prop:checked=move || fields.ticket_type_ids.with(|ids| ids.contains(&id))
                            on:change=move |ev| {
                                let checked = event_target_checked(&ev);
                                fields.ticket_type_ids.update(|ids| {
                                    ids.retain(|other| *other != id);
                                    if checked {
                                        ids.push(id);
                                    }
                                });
                            }
                        />
                        <label for=input_id>{t.name}</label>
                    </div>
                }
            })
            .collect_view()
    };

    view! {
        <EditorTab editor text=&TEXT is_empty=|e| e.discounts.is_empty() columns=COLUMNS rows on_submit=submit>
            <div class="form-grid">
                <Input form id="discount-code" name="code" label="Code" value=fields.code
                    hint="What buyers type at checkout, e.g. EARLYBIRD." required=true />
                <Select form id="discount-kind" name="kind" label="Kind" value=fields.kind choices=KINDS />
                <Input form id="discount-amount" name="amount" label="Amount" value=fields.amount inputmode="decimal"
                    hint=move || if fields.kind.get() == "fixed" { format!("In {} per ticket, e.g. 5.00.", ctx.currency()) } else { "A percentage, e.g. 10 or 12.5.".to_string() }
                    required=true />
                <Input form id="discount-max-uses" name="max_uses" label="Maximum uses" kind="number" inputmode="numeric"
                    value=fields.max_uses hint="Empty: no limit." />
                <Input form id="discount-expires" name="expires_local" label="Expires" kind="datetime-local"
                    value=fields.expires_local hint="Event time zone. Empty: never." />
            </div>
            <fieldset class="choices">
                <legend>"Applies to"</legend>
                <p class="hint">"None ticked: every ticket type."</p>
                {checkboxes}
                <FieldError form name="ticket_type_ids" id="discount-ticket-types" />
            </fieldset>
        </EditorTab>
    }
}
