//! The create-or-edit tab, written once for ticket types, discount codes and questions: the
//! heading, the list's banner and notice, the table (or what to say when it is empty) and, for who
//! may edit, one form that adds an item or edits the one picked from the table.
//!
//! Policy: the form holds one item at a time. "Edit" fills it from the row and puts the cursor in
//! its first input; "Cancel" and a save empty it; a delete of the item being edited empties it
//! too. A save or delete puts the origin's answer into the event (so no tab reloads it) and says
//! so in the notice; a refusal shows at its input or in the banner, and what was typed stays.
use crate::forms::{delete, focus, save, upsert, FormBanner, FormState};
use crate::pages::event::{use_event, EventCtx};
use crate::pages::{Column, DataTable, Notice};
use app::admin::AdminEvent;
use leptos::prelude::*;

/// The form's inputs for one kind of item.
pub trait ItemFields: Copy + Send + Sync + 'static {
    type Item: serde::de::DeserializeOwned + 'static;
    /// What the form sends.
    type Input: serde::Serialize + 'static;
    /// Empties the inputs (or sets the defaults of a new item).
    fn clear(self);
    /// Shows `item` in the inputs.
    fn fill(self, item: &Self::Item);
    /// Reads the inputs, flagging on `form` what the browser can check itself; None when flagged.
    fn input(self, form: FormState) -> Option<Self::Input>;
    /// Where the event keeps the items.
    fn list(event: &mut AdminEvent) -> &mut Vec<Self::Item>;
    fn id(item: &Self::Item) -> i64;
}

/// One tab's editing state: its inputs, the form and the list's banners, which item is in the form,
/// and the notice. Items live at `/{collection}/{id}` and are created at
/// `/events/{event}/{collection}`; `api_fields` are the inputs a 422 may name.
pub struct Editor<F> {
    pub fields: F,
    ctx: EventCtx,
    collection: &'static str,
    api_fields: &'static [&'static str],
    pub form: FormState,
    /// The table's banner: refused deletes and moves.
    pub list_form: FormState,
    pub editing: RwSignal<Option<i64>>,
    pub notice: RwSignal<Option<String>>,
}

impl<F: Copy> Clone for Editor<F> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<F: Copy> Copy for Editor<F> {}

impl<F: ItemFields> Editor<F> {
    pub fn new(fields: F, ctx: EventCtx, collection: &'static str, api_fields: &'static [&'static str]) -> Editor<F> {
        fields.clear();
        let (form, list_form) = (FormState::new(), FormState::new());
        Editor { fields, ctx, collection, api_fields, form, list_form, editing: RwSignal::new(None), notice: RwSignal::new(None) }
    }

    /// Puts `item` (whose id is `id`) into the form and the cursor into the input `focus_id`.
    pub fn edit(self, item: &F::Item, id: i64, focus_id: &'static str) {
        self.form.start();
        self.fields.fill(item);
        self.editing.set(Some(id));
        focus(focus_id);
    }

    /// Empties the form: back to adding.
    pub fn cancel(self) {
        self.form.start();
        self.fields.clear();
        self.editing.set(None);
    }

    /// Whether the item in `id`'s row is the one in the form (tracked: for the row's highlight).
    pub fn is_editing(self, id: i64) -> bool {
        self.editing.get() == Some(id)
    }

    /// Submits the form: PUT to the item when editing, POST to the event's collection otherwise;
    /// the answer goes into the event, and `notice` says what was saved.
    pub fn submit(self, ev: leptos::ev::SubmitEvent, notice: impl FnOnce(&F::Item) -> String + 'static) {
        if !self.form.begin(&ev) {
            return;
        }
        self.notice.set(None);
        let Some(input) = self.fields.input(self.form) else { return };
        let editing_id = self.editing.get_untracked();
        let (update_path, create_path) =
            (self.item_path(editing_id.unwrap_or_default()), format!("/events/{}/{}", self.ctx.id, self.collection));
        save(self.form, editing_id, update_path, create_path, input, self.api_fields, move |item: F::Item| {
            let message = notice(&item);
            self.ctx.event.update(|e| upsert(F::list(e), item, F::id));
            self.fields.clear();
            self.editing.set(None);
            self.notice.set(Some(message));
        });
    }

    fn item_path(self, id: i64) -> String {
        format!("/{}/{id}", self.collection)
    }

    /// Deletes item `id`, takes it out of the event, and says `message`.
    pub fn delete(self, id: i64, message: String) {
        self.notice.set(None);
        delete(self.list_form, self.item_path(id), move || {
            self.ctx.event.update(|e| F::list(e).retain(|item| F::id(item) != id));
            if self.editing.get_untracked() == Some(id) {
                self.editing.set(None);
                self.fields.clear();
            }
            self.notice.set(Some(message));
        });
    }
}

/// What a tab says: its heading, an introduction, the name of one item ("ticket type": the form is
/// "Add a {noun}" / "Edit {noun}", its button "Add {noun}" / "Save {noun}") and what it says when
/// there is nothing to list.
pub struct TabText {
    pub title: &'static str,
    pub intro: Option<&'static str>,
    pub noun: &'static str,
    pub empty: &'static str,
}

/// The tab, on the event of [`use_event`]. `is_empty` says whether the event has none of the
/// items; `children` are the form's inputs.
#[component]
pub fn EditorTab<F, R, RV, S>(
    editor: Editor<F>,
    text: &'static TabText,
    is_empty: fn(&AdminEvent) -> bool,
    columns: &'static [Column],
    rows: R,
    on_submit: S,
    children: ChildrenFn,
) -> impl IntoView
where
    F: ItemFields,
    R: Fn() -> RV + Send + Sync + 'static,
    RV: IntoView + 'static,
    S: FnMut(leptos::ev::SubmitEvent) + Clone + Send + Sync + 'static,
{
    let ctx = use_event();
    let can_edit = Signal::derive(move || ctx.can_edit());
    let Editor { form, list_form, editing, notice, .. } = editor;
    let adding = move || editing.get().is_none();
    let rows = std::sync::Arc::new(rows);
    let noun = text.noun;
    view! {
        <h2>{text.title}</h2>
        {text.intro.map(|intro| view! { <p class="muted">{intro}</p> })}
        <FormBanner form=list_form />
        <Notice message=notice />
        <Show when=move || !ctx.event.with(is_empty) fallback=move || view! { <p class="empty">{text.empty}</p> }>
            {
                let rows = rows.clone();
                view! { <DataTable columns actions=can_edit>{move || rows()}</DataTable> }
            }
        </Show>
        <Show when=move || can_edit.get()>
            <form class="subform" on:submit=on_submit.clone() novalidate>
                <h3>{move || if adding() { format!("Add a {noun}") } else { format!("Edit {noun}") }}</h3>
                <FormBanner form />
                {children()}
                <div class="actions">
                    <button type="submit" class="primary" disabled=move || form.busy.get()>
                        {move || if adding() { format!("Add {noun}") } else { format!("Save {noun}") }}
                    </button>
                    <Show when=move || !adding()>
                        <button type="button" class="secondary" on:click=move |_| editor.cancel()>"Cancel"</button>
                    </Show>
                </div>
            </form>
        </Show>
    }
}

/// One item's row in the tab's table, marked while the item is in the form. For who may edit, its
/// last cell holds `actions` (if any), "Edit" (which fills the form and focuses `focus`) and, where
/// `deleted` gives the notice to show afterwards, "Delete". `children` are the item's cells.
#[component]
pub fn ItemRow<F: ItemFields>(
    editor: Editor<F>,
    item: F::Item,
    /// What the buttons are named after ("Edit VIP").
    name: String,
    focus: &'static str,
    #[prop(optional, into)] deleted: Option<String>,
    #[prop(optional)] actions: Option<AnyView>,
    children: Children,
) -> impl IntoView {
    let id = F::id(&item);
    let controls = use_event().can_edit().then(|| {
        let delete = deleted.map(|message| {
            view! { <DeleteButton name=name.clone() on_click=move || editor.delete(id, message.clone()) /> }
        });
        view! {
            <td class="row-actions" aria-label="Actions">
                {actions}
                <EditButton name on_click=move || editor.edit(&item, id, focus) />
                {delete}
            </td>
        }
    });
    view! {
        <tr class:editing=move || editor.is_editing(id)>
            {children()}
            {controls}
        </tr>
    }
}

/// A row's "Edit" button, named after the row ("Edit VIP").
#[component]
fn EditButton(name: String, on_click: impl Fn() + 'static) -> impl IntoView {
    view! { <button type="button" class="secondary small" aria-label=format!("Edit {name}") on:click=move |_| on_click()>"Edit"</button> }
}

/// A row's "Delete" button, named after the row ("Delete EARLY").
#[component]
fn DeleteButton(name: String, on_click: impl Fn() + 'static) -> impl IntoView {
    view! { <button type="button" class="danger small" aria-label=format!("Delete {name}") on:click=move |_| on_click()>"Delete"</button> }
}
