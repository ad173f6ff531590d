//! The Export tab: a CSV of every ticket, made by a background job on the origin.
//!
//! Policy: the job is polled every second until it is done or failed, and only while the tab is
//! open; the download is a plain link (with `download`, so the router leaves it to the browser),
//! since the session cookie is all it needs.
use crate::api;
use crate::format::time;
use crate::forms::{FormBanner, FormState};
use crate::pages::event::use_event;
use app::admin::{ExportJob, ExportStatus};
use leptos::prelude::*;
use leptos::task::spawn_local;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

const POLL_MS: u32 = 1_000;

fn finished(job: &ExportJob) -> bool {
    job.status.is_finished()
}

#[component]
pub fn ExportTab() -> impl IntoView {
    let ctx = use_event();
    let form = FormState::new();
    let job = RwSignal::new(None::<ExportJob>);
    let open = Arc::new(AtomicBool::new(true));
    on_cleanup({
        let open = open.clone();
        move || open.store(false, Ordering::Relaxed)
    });
    let start = move |_| {
        if !form.begin_action() {
            return;
        }
        job.set(None);
        let open = open.clone();
        spawn_local(async move {
            let mut current = match api::post_empty::<ExportJob>(&format!("/events/{}/exports", ctx.id)).await {
                Ok(started) => started,
                Err(failure) => return form.fail(&failure, &[]),
            };
            job.try_set(Some(current.clone()));
            while !finished(&current) && open.load(Ordering::Relaxed) {
                api::pause(POLL_MS).await;
                match api::get::<ExportJob>(&format!("/exports/{}", current.id)).await {
                    Ok(update) => {
                        current = update;
                        job.try_set(Some(current.clone()));
                    }
                    // One missed poll is not a failed export: keep asking.
                    Err(failure) if failure.status().is_none_or(|s| s >= 500) => {}
                    Err(failure) => {
                        form.fail(&failure, &[]);
                        return;
                    }
                }
            }
            form.busy.try_set(false);
        });
    };

    let progress = move || {
        job.get().map(|job| {
            let percent = if job.total > 0 {
                job.done * 100 / job.total
            } else if job.status == ExportStatus::Done {
                100
            } else {
                0
            };
            let state = match job.status {
                ExportStatus::Queued => "Waiting to start…".to_string(),
                ExportStatus::Running => format!("Writing tickets: {} of {}", job.done, job.total),
                ExportStatus::Done => format!("Done: {} tickets.", job.total),
                ExportStatus::Failed => "The export failed.".to_string(),
            };
            let link = (job.status == ExportStatus::Done).then(|| {
                let href = api::url(&format!("/exports/{}/csv", job.id));
                view! { <a class="button primary" href=href download="">"Download CSV"</a> }
            });
            let failed = job.error.clone().filter(|_| job.status == ExportStatus::Failed).map(|error| {
                view! { <div class="form-error" role="alert">{format!("The export failed: {error}")}</div> }
            });
            view! {
                <div class="export-job">
                    <label for="export-progress">"Export progress"</label>
                    <progress id="export-progress" max=job.total.max(1).to_string() value=job.done.to_string()>
                        {format!("{percent}%")}
                    </progress>
                    <p role="status" aria-live="polite">
                        {state}
                        {job.finished_at.map(|at| format!(" Finished at {}.", time(at)))}
                    </p>
                    {failed}
                    {link}
                </div>
            }
        })
    };

    view! {
        <h2>"Export"</h2>
        <p class="muted">"A CSV of every ticket: attendee, ticket type, order, answers and check-in time."</p>
        <FormBanner form />
        <div class="actions">
            <button type="button" class="primary" on:click=start disabled=move || form.busy.get()>"Start export"</button>
        </div>
        {progress}
    }
}
