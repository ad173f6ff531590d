//! The Details tab: the event's own fields, publishing, and the way to its storefront page.
use crate::api;
use crate::forms::{FormBanner, FormState};
use crate::pages::event::use_event;
use crate::pages::events::{EventFields, EventInputs, EVENT_FIELDS};
use crate::pages::Notice;
use app::admin::AdminEvent;
use leptos::prelude::*;
use leptos::task::spawn_local;

#[component]
pub fn DetailsTab() -> impl IntoView {
    let ctx = use_event();
    let form = FormState::new();
    let notice = RwSignal::new(None::<String>);
    // Filled once: later changes to the event (publishing, another tab) must not overwrite typing.
    let fields = ctx.event.with_untracked(EventFields::from_event);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        if !form.begin(&ev) {
            return;
        }
        notice.set(None);
        if !fields.check(form) {
            return;
        }
        form.busy.set(true);
        let input = fields.input();
        spawn_local(async move {
            match api::put::<_, AdminEvent>(&format!("/events/{}", ctx.id), &input).await {
                Ok(event) => {
                    form.busy.set(false);
                    ctx.event.set(event);
                    notice.set(Some("Saved.".to_string()));
                }
                Err(failure) => form.fail(&failure, EVENT_FIELDS),
            }
        });
    };

    let publish_form = FormState::new();
    let toggle_publish = move |_| {
        if !publish_form.begin_action() {
            return;
        }
        notice.set(None);
        let action = if ctx.event.with_untracked(|e| e.published) { "unpublish" } else { "publish" };
        spawn_local(async move {
            match api::post_empty::<AdminEvent>(&format!("/events/{}/{action}", ctx.id)).await {
                Ok(event) => {
                    publish_form.busy.set(false);
                    let message = if event.published {
                        "Published: the storefront page is live."
                    } else {
                        "Unpublished: the storefront page is hidden."
                    };
                    ctx.event.set(event);
                    notice.set(Some(message.to_string()));
                }
                Err(failure) => publish_form.fail(&failure, &[]),
            }
        });
    };
    let published = move || ctx.event.with(|e| e.published);
    let storefront = move || ctx.event.with(|e| e.storefront_url.clone());

    view! {
        <div class="publish-bar">
            <div>
                <strong>{move || if published() { "Published" } else { "Not published" }}</strong>
                <span class="muted">
                    {move || if published() { " · attendees can see it at " } else { " · only you can see it; the storefront page will be at " }}
                </span>
                <a href=storefront target="_blank" rel="noopener">{storefront}</a>
            </div>
            <Show when=move || ctx.can_edit()>
                <button type="button" class=move || if published() { "secondary" } else { "primary" }
                    on:click=toggle_publish disabled=move || publish_form.busy.get()>
                    {move || if published() { "Unpublish" } else { "Publish" }}
                </button>
            </Show>
        </div>
        <FormBanner form=publish_form />
        <Notice message=notice />
        <form on:submit=submit novalidate>
            <h2>"Details"</h2>
            <FormBanner form />
            <fieldset class="plain" disabled=move || !ctx.can_edit()>
                <EventInputs form fields />
            </fieldset>
            <Show when=move || ctx.can_edit()>
                <div class="actions">
                    <button type="submit" class="primary" disabled=move || form.busy.get()>"Save details"</button>
                </div>
            </Show>
        </form>
    }
}
