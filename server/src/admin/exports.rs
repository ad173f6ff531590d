//! Attendee exports: a CSV of every ticket with its order and the buyer's answers, produced by a
//! background worker so a 50,000-ticket event does not hold a request open. The `exports` table is
//! the queue (a worker claims a job with a conditional UPDATE, so several origins can run workers)
//! and the result; the organiser polls the job's progress and downloads the file when it is done.
//!
//! Cells that a spreadsheet would run as a formula (=, +, -, @ first) are prefixed with a quote:
//! attendees type their own names.
use super::Admin;
use crate::error::ApiError;
use crate::store::{self, AttendeeRow, Resource, Store};
use contract::admin::{Answer, ExportJob, Role};
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use std::time::Duration;

/// Tickets read per query; progress is reported after each page.
pub const PAGE: i64 = 500;

impl Admin {
    #[tracing::instrument(skip(self))]
    pub async fn start_export(&self, user_id: i64, event_id: i64) -> Result<ExportJob, ApiError> {
        self.access(user_id, Resource::Event, event_id, Role::Viewer).await?;
        Ok(self.store.insert_export(event_id, user_id, store::now()).await?)
    }

    #[tracing::instrument(skip(self))]
    pub async fn export(&self, user_id: i64, export_id: i64) -> Result<ExportJob, ApiError> {
        self.access(user_id, Resource::Export, export_id, Role::Viewer).await?;
        self.store.export(export_id).await?.ok_or_else(|| super::not_found(Resource::Export))
    }

    /// The file's name and content, once the export is done.
    #[tracing::instrument(skip(self))]
    pub async fn export_csv(&self, user_id: i64, export_id: i64) -> Result<(String, String), ApiError> {
        let owner = self.access(user_id, Resource::Export, export_id, Role::Viewer).await?;
        let csv = self.store.export_csv(export_id).await?.ok_or_else(|| ApiError::Conflict {
            field: None,
            message: "This export is not ready yet: wait until its progress reaches the end.".into(),
        })?;
        let slug = self.store.event_by_id(owner.event_id).await?.map_or_else(|| "event".to_string(), |e| e.details.slug);
        Ok((format!("{slug}-attendees-{export_id}.csv"), csv))
    }
}

/// Runs queued exports one at a time, looking for new ones every `interval`.
pub fn spawn_worker(store: Arc<dyn Store>, interval: Duration) -> tokio::task::JoinHandle<()> {
    crate::jobs::every(interval, move || {
        let store = store.clone();
        async move { run_queued(store.as_ref()).await }
    })
}

/// Runs every queued export (this worker's share of them, with several origins).
pub async fn run_queued(store: &dyn Store) {
    loop {
        let job = match store.claim_export(store::now()).await {
            Ok(Some(job)) => job,
            Ok(None) => return,
            Err(err) => {
                tracing::warn!(error = %err, "could not look for queued exports");
                return;
            }
        };
        let result = build_csv(store, job.id, job.event_id).await.map_err(|err| {
            tracing::error!(export = job.id, error = %err, "export failed");
            "The export failed on our side. Please start it again.".to_string()
        });
        if let Err(err) = store.finish_export(job.id, result, store::now()).await {
            tracing::warn!(export = job.id, error = %err, "could not record the export's end");
        }
    }
}

async fn build_csv(store: &dyn Store, export_id: i64, event_id: i64) -> Result<String, ApiError> {
    let admin = store;
    let total = admin.count_attendees(event_id).await?;
    admin.export_progress(export_id, 0, total).await?;
    // Today's questions first, in their order; then labels only old answers have.
    let questions = admin.questions(event_id).await?;
    let mut columns: Vec<(i64, String)> = questions.iter().map(|q| (q.id, q.label.clone())).collect();
    let mut rows: Vec<(AttendeeRow, HashMap<i64, String>)> = Vec::new();
    let mut after = 0;
    loop {
        let page = admin.attendees_page(event_id, after, PAGE).await?;
        let Some(last) = page.last() else { break };
        after = last.ticket_id;
        let mut order_ids: Vec<i64> = page.iter().map(|row| row.order_id).collect();
        order_ids.sort_unstable();
        order_ids.dedup();
        let mut answers: BTreeMap<i64, Vec<Answer>> = BTreeMap::new();
        for record in admin.answers_of(&order_ids).await? {
            if !columns.iter().any(|(id, _)| *id == record.answer.question_id) {
                columns.push((record.answer.question_id, record.answer.label.clone()));
            }
            answers.entry(record.order_id).or_default().push(record.answer);
        }
        for row in page {
            let of_order =
                answers.get(&row.order_id).map(|list| list.iter().map(|a| (a.question_id, a.answer.clone())).collect()).unwrap_or_default();
            rows.push((row, of_order));
        }
        admin.export_progress(export_id, rows.len() as i64, total.max(rows.len() as i64)).await?;
    }
    let mut header = vec![
        "ticket_code",
        "ticket_type",
        "attendee_name",
        "attendee_email",
        "order_reference",
        "buyer_name",
        "buyer_email",
        "order_status",
        "payment",
        "order_total",
        "refunded",
        "currency",
        "ordered_at",
        "checked_in_at",
    ]
    .into_iter()
    .map(str::to_string)
    .collect::<Vec<_>>();
    header.extend(columns.iter().map(|(_, label)| label.clone()));
    let mut out = csv::WriterBuilder::new().terminator(csv::Terminator::CRLF).from_writer(Vec::new());
    write_row(&mut out, &header)?;
    for (row, answers) in &rows {
        let mut line = vec![
            row.code.clone(),
            row.ticket_type_name.clone(),
            row.attendee_name.clone(),
            row.attendee_email.clone(),
            row.order_reference.clone(),
            row.buyer_name.clone(),
            row.buyer_email.clone(),
            row.order_status.as_str().to_string(),
            row.payment.as_str().to_string(),
            super::inputs::minor_to_decimal(row.total_minor),
            super::inputs::minor_to_decimal(row.refunded_minor),
            row.currency.clone(),
            row.ordered_at.to_rfc3339(),
            row.checked_in_at.map(|at| at.to_rfc3339()).unwrap_or_default(),
        ];
        line.extend(columns.iter().map(|(id, _)| answers.get(id).cloned().unwrap_or_default()));
        write_row(&mut out, &line)?;
    }
    let bytes = out.into_inner().map_err(|err| anyhow::anyhow!("could not finish the CSV: {err}"))?;
    Ok(String::from_utf8(bytes).map_err(anyhow::Error::from)?)
}

/// One line of the file, every cell defused first; the csv crate quotes what needs quoting.
fn write_row(out: &mut csv::Writer<Vec<u8>>, cells: &[String]) -> Result<(), ApiError> {
    out.write_record(cells.iter().map(|cell| defuse(cell).into_owned())).map_err(anyhow::Error::from)?;
    Ok(())
}

/// A cell a spreadsheet would run as a formula gets a leading quote: attendees type their names.
fn defuse(value: &str) -> std::borrow::Cow<'_, str> {
    if value.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{value}").into()
    } else {
        value.into()
    }
}

#[cfg(test)]
mod tests {
    fn csv_cell(value: &str) -> String {
        let mut out = csv::WriterBuilder::new().terminator(csv::Terminator::CRLF).from_writer(Vec::new());
        super::write_row(&mut out, &[value.to_string()]).unwrap();
        String::from_utf8(out.into_inner().unwrap()).unwrap().trim_end_matches("\r\n").to_string()
    }

    #[test]
    fn cells_are_quoted_and_formulas_defused() {
        assert_eq!(csv_cell("Ada"), "Ada");
        assert_eq!(csv_cell("Lovelace, Ada"), "\"Lovelace, Ada\"");
        assert_eq!(csv_cell("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(csv_cell("=HYPERLINK(\"x\")"), "\"'=HYPERLINK(\"\"x\"\")\"");
        assert_eq!(csv_cell("-5"), "'-5");
    }
}
