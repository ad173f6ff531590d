//! The Ticket types tab: what is for sale, how much of it is gone, the display order, and one form
//! that adds a type or edits the one picked from the table.
use crate::api;
use crate::forms::{save, upsert, focus, whole_number, FormBanner, FormState, Input};
use crate::pages::event::{use_event, EventCtx};
use crate::pages::Notice;
use app::admin::{AdminTicketType, TicketTypeInput, TicketTypeOrder};
use app::model::TicketTypeId;
use app::money::format_price;
use leptos::prelude::*;
use leptos::task::spawn_local;

const FIELDS: &[&str] = &[
    "name",
    "description",
    "price",
    "capacity",
    "sale_starts_local",
    "sale_ends_local",
    "min_per_order",
    "max_per_order",
    "access_code",
];

#[derive(Clone, Copy)]
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

impl TicketTypeFields {
    fn new() -> TicketTypeFields {
        let fields = TicketTypeFields {
            name: RwSignal::new(String::new()),
            description: RwSignal::new(String::new()),
            price: RwSignal::new(String::new()),
            capacity: RwSignal::new(String::new()),
            sale_starts_local: RwSignal::new(String::new()),
            sale_ends_local: RwSignal::new(String::new()),
            min_per_order: RwSignal::new(String::new()),
            max_per_order: RwSignal::new(String::new()),
            access_code: RwSignal::new(String::new()),
        };
        fields.clear();
        fields
    }

    fn clear(self) {
        for field in [self.name, self.description, self.price, self.capacity, self.sale_starts_local, self.sale_ends_local, self.access_code] {
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
        let text = |s: RwSignal<String>| s.get_untracked().trim().to_string();
        let name = text(self.name);
        if name.is_empty() {
            form.field_error("name", "Please name the ticket type.");
        }
        let price = text(self.price);
        if price.is_empty() {
            form.field_error("price", "Please enter a price (0 for free).");
        }
        let capacity = whole_number(form, "capacity", &text(self.capacity));
        let min_per_order = whole_number(form, "min_per_order", &text(self.min_per_order));
        let max_per_order = whole_number(form, "max_per_order", &text(self.max_per_order));
        if form.has_errors() {
            return None;
        }
        Some(TicketTypeInput {
            name,
            description: self.description.get_untracked().trim().to_string(),
            price,
            capacity: capacity?,
            sale_starts_local: text(self.sale_starts_local),
            sale_ends_local: text(self.sale_ends_local),
            min_per_order: min_per_order?,
            max_per_order: max_per_order?,
            access_code: text(self.access_code),
        })
    }
}

#[component]
pub fn TicketTypesTab() -> impl IntoView {
    let ctx = use_event();
    let editing = RwSignal::new(None::<TicketTypeId>);
    let fields = TicketTypeFields::new();
    let form = FormState::new();
    let table_form = FormState::new();
    let notice = RwSignal::new(None::<String>);

    let edit = move |t: &AdminTicketType| {
        form.start();
        fields.fill(t);
        editing.set(Some(t.id));
        focus("tt-name");
    };
    let stop_editing = move |_| {
        form.start();
        fields.clear();
        editing.set(None);
    };
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if form.busy.get_untracked() {
            return;
        }
        form.start();
        notice.set(None);
        let Some(input) = fields.input(form) else { return };
        let editing_id = editing.get_untracked();
        let update_path = format!("/ticket-types/{}", editing_id.unwrap_or_default());
        let create_path = format!("/events/{}/ticket-types", ctx.id);
        save(form, editing_id, update_path, create_path, input, FIELDS, move |saved: AdminTicketType| {
            let message = format!("Saved “{}”.", saved.name);
            ctx.event.update(|e| upsert(&mut e.ticket_types, saved, |item| item.id));
            fields.clear();
            editing.set(None);
            notice.set(Some(message));
        });
    };

    let rows = move || {
        let (types, currency) = ctx.event.with(|e| (e.ticket_types.clone(), e.currency.clone()));
        let count = types.len();
        let can_edit = ctx.can_edit();
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
                let controls = can_edit.then(|| {
                    let (up_label, down_label, edit_label) =
                        (format!("Move {} up", t.name), format!("Move {} down", t.name), format!("Edit {}", t.name));
                    let t_edit = t.clone();
                    let id = t.id;
                    view! {
                        <td class="row-actions" aria-label="Actions">
                            <button type="button" class="icon" aria-label=up_label disabled=index == 0
                                on:click=move |_| reorder(ctx, table_form, id, -1)>"↑"</button>
                            <button type="button" class="icon" aria-label=down_label disabled=index + 1 == count
                                on:click=move |_| reorder(ctx, table_form, id, 1)>"↓"</button>
                            <button type="button" class="secondary small" aria-label=edit_label
                                on:click=move |_| edit(&t_edit)>"Edit"</button>
                        </td>
                    }
                });
                view! {
                    <tr class:editing=move || editing.get() == Some(t.id)>
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
                        {controls}
                    </tr>
                }
            })
            .collect_view()
    };
    let empty = move || ctx.event.with(|e| e.ticket_types.is_empty());

    view! {
        <h2>"Ticket types"</h2>
        <FormBanner form=table_form />
        <Notice message=notice />
        <Show when=move || !empty() fallback=|| view! { <p class="empty">"No ticket types yet: nothing can be sold."</p> }>
            <div class="table-wrap">
                <table class="data">
                    <thead>
                        <tr>
                            <th scope="col">"Name"</th>
                            <th scope="col" class="num">"Price"</th>
                            <th scope="col" class="num">"Capacity"</th>
                            <th scope="col" class="num">"Sold"</th>
                            <th scope="col" class="num">"Held"</th>
                            <th scope="col" class="num">"Available"</th>
                            <th scope="col">"On sale"</th>
                            <th scope="col">"Access"</th>
                            <Show when=move || ctx.can_edit()>
                                <th scope="col"><span class="visually-hidden">"Actions"</span></th>
                            </Show>
                        </tr>
                    </thead>
                    <tbody>{rows}</tbody>
                </table>
            </div>
        </Show>
        <Show when=move || ctx.can_edit()>
            <form class="subform" on:submit=submit novalidate>
                <h3>{move || if editing.get().is_some() { "Edit ticket type" } else { "Add a ticket type" }}</h3>
                <FormBanner form />
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
                <div class="actions">
                    <button type="submit" class="primary" disabled=move || form.busy.get()>
                        {move || if editing.get().is_some() { "Save ticket type" } else { "Add ticket type" }}
                    </button>
                    <Show when=move || editing.get().is_some()>
                        <button type="button" class="secondary" on:click=stop_editing>"Cancel"</button>
                    </Show>
                </div>
            </form>
        </Show>
    }
}

/// Moves one type a place up (-1) or down (1) and sends the whole new order.
fn reorder(ctx: EventCtx, form: FormState, id: TicketTypeId, delta: isize) {
    let mut ids: Vec<TicketTypeId> = ctx.event.with_untracked(|e| e.ticket_types.iter().map(|t| t.id).collect());
    let Some(from) = ids.iter().position(|t| *t == id) else { return };
    let to = from as isize + delta;
    if to < 0 || to as usize >= ids.len() || form.busy.get_untracked() {
        return;
    }
    ids.swap(from, to as usize);
    form.start();
    form.busy.set(true);
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
