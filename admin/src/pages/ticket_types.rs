//! The Ticket types tab: what is for sale, how much of it is gone, the display order, and one form
//! that adds a type or edits the one picked from the table.
use crate::api;
use crate::forms::{trimmed, whole_number, FormState, Input};
use crate::pages::editor::{Editor, EditorTab, ItemFields, ItemRow, TabText};
use crate::pages::event::{use_event, EventCtx};
use crate::pages::Column;
use app::admin::{AdminEvent, AdminTicketType, TicketTypeInput, TicketTypeOrder};
use app::model::TicketTypeId;
use app::money::format_price;
use leptos::prelude::*;
use leptos::task::spawn_local;

const FIELDS: &[&str] =
    &["name", "description", "price", "capacity", "sale_starts_local", "sale_ends_local", "min_per_order", "max_per_order", "access_code"];

#[derive(Clone, Copy, Default)]
struct TicketTypeFields {
    name: RwSignal<String>,
    description: RwSignal<String>,
    price: RwSignal<String>,
    capacity: RwSignal<String>,
    sale_starts_local: RwSignal<String>,
    sale_ends_local: RwSignal<String>,
    min_per_order: RwSignal<String>,
    max_per_order: RwSignal<String>,
    access_code: RwSignal<String>,
}

impl ItemFields for TicketTypeFields {
    type Item = AdminTicketType;
    type Input = TicketTypeInput;

    fn clear(self) {
        for field in
            [self.name, self.description, self.price, self.capacity, self.sale_starts_local, self.sale_ends_local, self.access_code]
        {
            field.set(String::new());
        }
        self.min_per_order.set("1".to_string());
        self.max_per_order.set("10".to_string());
    }

    fn fill(self, t: &AdminTicketType) {
        self.name.set(t.name.clone());
        self.description.set(t.description.clone());
        self.price.set(t.price.clone());
        self.capacity.set(t.capacity.to_string());
        self.sale_starts_local.set(t.sale_starts_local.clone());
        self.sale_ends_local.set(t.sale_ends_local.clone());
        self.min_per_order.set(t.min_per_order.to_string());
        self.max_per_order.set(t.max_per_order.to_string());
        self.access_code.set(t.access_code.clone());
    }

    fn input(self, form: FormState) -> Option<TicketTypeInput> {
        let name = form.required("name", self.name, "Please name the ticket type.");
        let price = form.required("price", self.price, "Please enter a price (0 for free).");
        let capacity = whole_number(form, "capacity", &trimmed(self.capacity));
        let min_per_order = whole_number(form, "min_per_order", &trimmed(self.min_per_order));
        let max_per_order = whole_number(form, "max_per_order", &trimmed(self.max_per_order));
        if form.has_errors() {
            return None;
        }
        Some(TicketTypeInput {
            name,
            description: self.description.get_untracked().trim().to_string(),
            price,
            capacity: capacity?,
            sale_starts_local: trimmed(self.sale_starts_local),
            sale_ends_local: trimmed(self.sale_ends_local),
            min_per_order: min_per_order?,
            max_per_order: max_per_order?,
            access_code: trimmed(self.access_code),
        })
    }

    fn list(event: &mut AdminEvent) -> &mut Vec<Self::Item> {
        &mut event.ticket_types
    }

    fn id(item: &Self::Item) -> i64 {
        item.id
    }
}

static TEXT: TabText =
    TabText { title: "Ticket types", intro: None, noun: "ticket type", empty: "No ticket types yet: nothing can be sold." };
const COLUMNS: &[Column] = &[
    ("Name", false),
    ("Price", true),
    ("Capacity", true),
    ("Sold", true),
    ("Held", true),
    ("Available", true),
    ("On sale", false),
    ("Access", false),
];

#[component]
pub fn TicketTypesTab() -> impl IntoView {
    let ctx = use_event();
    let editor = Editor::new(TicketTypeFields::default(), ctx, "ticket-types", FIELDS);
    let (fields, form) = (editor.fields, editor.form);
    let submit = move |ev: leptos::ev::SubmitEvent| editor.submit(ev, |saved| format!("Saved “{}”.", saved.name));

    let rows = move || {
        let (types, currency) = ctx.event.with(|e| (e.ticket_types.clone(), e.currency.clone()));
        let count = types.len();
        types
            .into_iter()
            .enumerate()
            .map(|(index, t)| {
                let on_sale = match (t.sale_starts_local.is_empty(), t.sale_ends_local.is_empty()) {
                    (true, true) => "From publication until the event starts".to_string(),
                    _ => format!(
                        "{} – {}",
                        if t.sale_starts_local.is_empty() { "publication" } else { t.sale_starts_local.as_str() },
                        if t.sale_ends_local.is_empty() { "event start" } else { t.sale_ends_local.as_str() }
                    ),
                };
                let access = if t.access_code.is_empty() {
                    view! { <span class="muted">"Public"</span> }.into_any()
                } else {
                    view! { <span class="badge badge-secret">"Secret: " <code>{t.access_code.clone()}</code></span> }.into_any()
                };
                let id = t.id;
                let (up_label, down_label) = (format!("Move {} up", t.name), format!("Move {} down", t.name));
                let moves = view! {
                    <button type="button" class="icon" aria-label=up_label disabled=index == 0
                        on:click=move |_| reorder(ctx, editor.list_form, id, -1)>"↑"</button>
                    <button type="button" class="icon" aria-label=down_label disabled=index + 1 == count
                        on:click=move |_| reorder(ctx, editor.list_form, id, 1)>"↓"</button>
                }
                .into_any();
                let cells = view! {
                    <td>
                        <strong>{t.name.clone()}</strong>
                        <div class="muted small">{t.description.clone()}</div>
                    </td>
                    <td class="num">{format_price(t.price_minor, &currency)}</td>
                    <td class="num">{t.capacity}</td>
                    <td class="num">{t.sold}</td>
                    <td class="num">{t.held}</td>
                    <td class="num">{t.available}</td>
                    <td class="small">{on_sale}</td>
                    <td>{access}</td>
                };
                view! {
                    <ItemRow editor name=t.name.clone() item=t focus="tt-name" actions=moves>
                        {cells}
                    </ItemRow>
                }
            })
            .collect_view()
    };

    view! {
        <EditorTab editor text=&TEXT is_empty=|e| e.ticket_types.is_empty() columns=COLUMNS rows on_submit=submit>
            <div class="form-grid">
                <Input form id="tt-name" name="name" label="Name" value=fields.name required=true />
                <Input form id="tt-price" name="price" label="Price" value=fields.price inputmode="decimal"
                    hint=format!("In {}, e.g. 25.00; 0 for free.", ctx.currency()) required=true />
                <Input form id="tt-capacity" name="capacity" label="Capacity" kind="number" value=fields.capacity
                    inputmode="numeric" hint="Tickets of this type for sale in total." required=true />
                <Input form id="tt-description" name="description" label="Description" value=fields.description />
                <Input form id="tt-sale-starts" name="sale_starts_local" label="Sale starts" kind="datetime-local"
                    value=fields.sale_starts_local hint="Event time zone. Empty: on publication." />
                <Input form id="tt-sale-ends" name="sale_ends_local" label="Sale ends" kind="datetime-local"
                    value=fields.sale_ends_local hint="Empty: when the event starts." />
                <Input form id="tt-min" name="min_per_order" label="Minimum per order" kind="number" inputmode="numeric"
                    value=fields.min_per_order required=true />
                <Input form id="tt-max" name="max_per_order" label="Maximum per order" kind="number" inputmode="numeric"
                    value=fields.max_per_order required=true />
                <Input form id="tt-access-code" name="access_code" label="Secret access code" value=fields.access_code
                    hint="Set one to hide this type: only who enters the code sees it." />
            </div>
        </EditorTab>
    }
}

/// Moves one type a place up (-1) or down (1) and sends the whole new order.
fn reorder(ctx: EventCtx, form: FormState, id: TicketTypeId, delta: isize) {
    let mut ids: Vec<TicketTypeId> = ctx.event.with_untracked(|e| e.ticket_types.iter().map(|t| t.id).collect());
    let Some(from) = ids.iter().position(|t| *t == id) else { return };
    let to = from as isize + delta;
    if to < 0 || to as usize >= ids.len() || !form.begin_action() {
        return;
    }
    ids.swap(from, to as usize);
    spawn_local(async move {
        match api::put::<_, Vec<AdminTicketType>>(&format!("/events/{}/ticket-types/order", ctx.id), &TicketTypeOrder { ids }).await {
            Ok(types) => {
                form.busy.set(false);
                ctx.event.update(|e| e.ticket_types = types);
            }
            Err(failure) => form.fail(&failure, &[]),
        }
    });
}
