//! The waiting list in a flash sale (`--waiting-list`): buyers who find the tickets gone join it,
//! the storefront's offers arrive as the emails it writes (`MAIL_DIR`) and are claimed through the
//! link in them, and after the sale an organiser cancels orders through the admin API.
//!
//! Policy: what the people on the list receive is judged against the list as it stood before the
//! cancellations: the tickets those returned must reach the longest run of the next people in line
//! whose requests fit (offers go in order, and a head that does not fit stops those behind it),
//! each exactly once, by one email; nobody else gets an offer, and the public is shown nothing
//! while anyone still waits. The books' own invariants (offers in turn, no stock idle while the
//! head fits) are `Audit::problems`, as always.
use crate::buyers::{self, Outcome, Sale};
use crate::stats::Step;
use anyhow::bail;
use app::admin::{AdminOrder, SessionInfo, SignIn};
use app::model::{Hold, OrderRequest, PaymentMethod, SaleStatus, WaitingListRequest};
use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use rand::SeedableRng;
use stampede::store::{OrderFilter, Store, WaitingEntryRecord};
use std::collections::{HashMap, HashSet};
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// The subject of an offer's email begins so (`mail::letters::waiting_list_offer`).
const OFFER_SUBJECT: &str = "Your turn:";

/// What joining the list did for a buyer.
pub enum Joined {
    /// On the list (or already on it): the buyer waits for an email.
    Yes,
    /// Not now (tickets are still shown as available, or the storefront asked to wait): look again.
    NotYet(Option<Duration>),
    /// Refused for good: the buyer gives up.
    No,
}

/// A buyer who found the tickets gone joins the list for what they wanted.
pub async fn join(sale: &Sale, buyer: usize, quantity: i64) -> Joined {
    let person = buyers::person(buyer, 0);
    let request = WaitingListRequest { ticket_type_id: sale.ticket_type_id, name: person.name, email: person.email, quantity };
    let post = sale.client.post(sale.url(&format!("/api/events/{}/waiting-list", sale.slug))).json(&request);
    match sale.send(Step::Join, sale.as_buyer(buyer, post), 201).await {
        Outcome::Status(200 | 201, _, _) => {
            sale.joined.fetch_add(1, Ordering::Relaxed);
            Joined::Yes
        }
        Outcome::Status(409 | 429 | 503, _, retry_after) => Joined::NotYet(retry_after),
        _ => Joined::No,
    }
}

/// The people on the list as their inbox sees them: every offer email the storefront wrote,
/// claimed as it arrives.
pub struct Mailbox {
    dir: PathBuf,
    read: Mutex<HashSet<PathBuf>>,
    /// Offer emails received, per address.
    offers: Mutex<HashMap<String, usize>>,
    pub claimed: AtomicUsize,
    /// Claims that did not end in an order.
    pub claim_failures: AtomicUsize,
    /// When the last offer was claimed.
    last_claim: Mutex<Option<Instant>>,
}

impl Mailbox {
    pub fn new(dir: PathBuf) -> Mailbox {
        Mailbox {
            dir,
            read: Mutex::default(),
            offers: Mutex::default(),
            claimed: AtomicUsize::new(0),
            claim_failures: AtomicUsize::new(0),
            last_claim: Mutex::default(),
        }
    }

    /// Reads new emails every 200 ms until the task is aborted, claiming each offer at once.
    pub async fn watch(self: Arc<Self>, sale: Arc<Sale>) {
        loop {
            for (address, hold_id) in self.new_offers().await {
                let (mailbox, sale) = (self.clone(), sale.clone());
                tokio::spawn(async move { mailbox.claim(&sale, &address, &hold_id).await });
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }

    /// The offers in the emails not read yet: (address, hold id) each.
    async fn new_offers(&self) -> Vec<(String, String)> {
        let Ok(mut entries) = tokio::fs::read_dir(&self.dir).await else { return Vec::new() };
        let mut offers = Vec::new();
        while let Ok(Some(entry)) = entries.next_entry().await {
            let path = entry.path();
            // `.partial` files are still being written; they are renamed to `.eml` when whole.
            if path.extension().is_none_or(|extension| extension != "eml") || !lock(&self.read).insert(path.clone()) {
                continue;
            }
            let Ok(bytes) = tokio::fs::read(&path).await else { continue };
            if let Some(offer) = offer_in(&bytes) {
                *lock(&self.offers).entry(offer.0.clone()).or_insert(0) += 1;
                offers.push(offer);
            }
        }
        offers
    }

    /// Opens the link (the hold kept for them) and buys it, as the person on the list would.
    async fn claim(&self, sale: &Sale, address: &str, hold_id: &str) {
        let ordered = async {
            let buyer = buyers::buyer_of(address)?;
            let get = sale.as_buyer(buyer, sale.client.get(sale.url(&format!("/api/holds/{hold_id}"))));
            let Outcome::Status(200, Some(body), _) = sale.send(Step::Offer, get, 200).await else { return None };
            let hold: Hold = serde_json::from_str(&body).ok()?;
            let quantity: i64 = hold.items.iter().map(|item| item.quantity).sum();
            let order = OrderRequest {
                buyer: buyers::person(buyer, 0),
                attendees: (0..quantity as usize).map(|i| buyers::person(buyer, i)).collect(),
                payment: if hold.total_minor == 0 { PaymentMethod::Free } else { PaymentMethod::Offline },
                discount_code: None,
                answers: Vec::new(),
            };
            let key = uuid::Uuid::new_v4().to_string();
            for _ in 0..4 {
                let post = sale.client.post(sale.url(&format!("/api/holds/{hold_id}/order"))).header("Idempotency-Key", &key).json(&order);
                match sale.send(Step::Claim, sale.as_buyer(buyer, post), 201).await {
                    Outcome::Status(201, _, _) => return Some(()),
                    Outcome::Status(status, _, _) if status < 500 => return None,
                    Outcome::Status(_, _, retry_after) => tokio::time::sleep(retry_after.unwrap_or(Duration::from_millis(500))).await,
                    Outcome::Failed(_) => tokio::time::sleep(Duration::from_millis(500)).await,
                }
            }
            None
        };
        if ordered.await.is_some() {
            self.claimed.fetch_add(1, Ordering::Relaxed);
            *lock(&self.last_claim) = Some(Instant::now());
        } else {
            self.claim_failures.fetch_add(1, Ordering::Relaxed);
        }
    }

    fn offers_to(&self, address: &str) -> usize {
        lock(&self.offers).get(address).copied().unwrap_or(0)
    }

    fn offers_received(&self) -> usize {
        lock(&self.offers).values().sum()
    }
}

/// An email's (recipient, hold id) when it is an offer.
fn offer_in(bytes: &[u8]) -> Option<(String, String)> {
    let message = mail_parser::MessageParser::default().parse(bytes)?;
    if !message.subject()?.starts_with(OFFER_SUBJECT) {
        return None;
    }
    let address = message.to()?.first()?.address()?.to_lowercase();
    let body = message.body_text(0)?;
    let (_, after) = body.split_once("/checkout/")?;
    let hold_id: String = after.chars().take_while(|c| c.is_ascii_hexdigit() || *c == '-').collect();
    Some((address, hold_id))
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// One person waiting when the cancellations began.
#[derive(Clone, Debug)]
struct Waiting {
    id: i64,
    quantity: i64,
}

/// What the cancellations did for the people on the list.
pub struct ListReport {
    pub joined: usize,
    pub waiting_before: usize,
    pub cancelled: usize,
    pub returned_tickets: i64,
    /// Tickets free before them (the head of the list asked for more).
    pub free_before: i64,
    /// The people next in line that the returned tickets should reach.
    pub due: usize,
    /// Of them, those offered tickets.
    pub reached: usize,
    /// Offered although not among the next in line.
    pub out_of_line: usize,
    /// Offered people with more than one offer email, and with none.
    pub emailed_twice: usize,
    pub not_emailed: usize,
    /// Offer emails to addresses that were offered nothing.
    pub emails_astray: usize,
    pub claimed: usize,
    /// From the last cancellation to the last of its offers bought.
    pub reached_in: Duration,
    pub failures: Vec<String>,
}

impl ListReport {
    pub fn line(&self) -> String {
        format!(
            "joined_list={} waiting={} cancelled={} returned_tickets={} free_before={} due={} reached={} out_of_line={} emailed_twice={} \
             not_emailed={} emails_astray={} claimed={} reached_in_s={:.1}",
            self.joined,
            self.waiting_before,
            self.cancelled,
            self.returned_tickets,
            self.free_before,
            self.due,
            self.reached,
            self.out_of_line,
            self.emailed_twice,
            self.not_emailed,
            self.emails_astray,
            self.claimed,
            self.reached_in.as_secs_f64()
        )
    }
}

/// The organiser at their desk: signed in to the admin API with their session's CSRF token.
struct Organiser {
    client: reqwest::Client,
    base_url: String,
    csrf: String,
}

impl Organiser {
    async fn sign_in(base_url: &str, email: &str, password: &str) -> anyhow::Result<Organiser> {
        let client = reqwest::Client::builder().cookie_store(true).timeout(Duration::from_secs(30)).build()?;
        let session: SessionInfo = client.get(format!("{base_url}/admin/api/session")).send().await?.error_for_status()?.json().await?;
        let signed_in = client
            .post(format!("{base_url}/admin/api/signin"))
            .header("x-csrf-token", session.csrf_token)
            .json(&SignIn { email: email.into(), password: password.into() })
            .send()
            .await?;
        if !signed_in.status().is_success() {
            bail!("the organiser could not sign in: {} {}", signed_in.status(), signed_in.text().await.unwrap_or_default());
        }
        let session: SessionInfo = signed_in.json().await?;
        Ok(Organiser { client, base_url: base_url.to_string(), csrf: session.csrf_token })
    }

    /// Cancels an order as the admin app's "Cancel order" does; the tickets it had.
    async fn cancel(&self, sale: &Sale, order_id: i64) -> Option<i64> {
        let started = Instant::now();
        let response = self
            .client
            .post(format!("{}/admin/api/orders/{order_id}/cancel", self.base_url))
            .header("x-csrf-token", &self.csrf)
            .json(&serde_json::json!({}))
            .send()
            .await;
        let (status, order) = match response {
            Ok(response) => {
                let status = response.status().as_u16();
                (status.to_string(), response.json::<AdminOrder>().await.ok().filter(|_| status == 200))
            }
            Err(err) if err.is_timeout() => ("timeout".into(), None),
            Err(_) => ("network error".into(), None),
        };
        sale.recorder.record(Step::Cancel, &status, started.elapsed(), order.is_some());
        order.map(|order| order.tickets.len() as i64)
    }
}

/// Every entry of the event's list, page by page.
async fn whole_list(store: &dyn Store, event_id: i64) -> anyhow::Result<Vec<WaitingEntryRecord>> {
    let mut entries: Vec<WaitingEntryRecord> = Vec::new();
    loop {
        let after = entries.last().map_or(0, |entry| entry.id);
        let page = store.waiting_list_after(event_id, after, 1_000).await?;
        if page.is_empty() {
            return Ok(entries);
        }
        entries.extend(page);
    }
}

/// After the sale: `count` orders cancelled by the organiser, and what reached the list.
pub async fn cancellations(
    sale: &Sale,
    store: &Arc<dyn Store>,
    event_id: i64,
    organiser: (&str, &str),
    mailbox: &Mailbox,
    count: usize,
) -> anyhow::Result<ListReport> {
    let organiser = Organiser::sign_in(&sale.base_url, organiser.0, organiser.1).await?;
    // Tickets left over from the sale, kept for the list because its head asks for more.
    let books = store.audit(event_id, stampede::store::now(), Duration::from_secs(3600)).await?;
    let free_before = books.capacity() - books.sold() - books.held();
    let before: Vec<Waiting> = whole_list(store.as_ref(), event_id)
        .await?
        .into_iter()
        .filter(|entry| entry.state == "waiting")
        .map(|entry| Waiting { id: entry.id, quantity: entry.quantity })
        .collect();
    let filter = OrderFilter { query: String::new(), cancelled: Some(false), limit: 100_000, offset: 0 };
    let (_, orders) = store.search_orders(event_id, &filter).await?;
    let mut order_ids: Vec<i64> = orders.iter().map(|order| order.id).collect();
    order_ids.sort_unstable();
    order_ids.shuffle(&mut StdRng::seed_from_u64(sale.options.seed));
    order_ids.truncate(count);
    let claimed_before = mailbox.claimed.load(Ordering::Relaxed);

    // Ten at a time, as a few organisers (or one with a fast hand and many tabs) would.
    let mut returned_tickets = 0;
    let mut cancelled = 0;
    for batch in order_ids.chunks(10) {
        let answers = futures::future::join_all(batch.iter().map(|&id| organiser.cancel(sale, id))).await;
        for tickets in answers.into_iter().flatten() {
            returned_tickets += tickets;
            cancelled += 1;
        }
    }
    let cancelled_at = Instant::now();

    // Offers go in order and stop at the first person whose request does not fit.
    let mut left = free_before + returned_tickets;
    let due: Vec<&Waiting> = before
        .iter()
        .take_while(|entry| {
            let fits = entry.quantity <= left;
            if fits {
                left -= entry.quantity;
            }
            fits
        })
        .collect();
    let mut failures = Vec::new();
    if due.len() < before.len() {
        if let Some((status, available)) = buyers::availability(sale).await {
            if available > 0 || status == SaleStatus::OnSale {
                failures.push(format!("the public was shown {available} tickets ({status:?}) while people still waited"));
            }
        }
    }

    // Every one of them gets their email and buys (bounded: the mailer's pace and a margin).
    let deadline = Instant::now() + Duration::from_secs(60);
    while mailbox.claimed.load(Ordering::Relaxed) + mailbox.claim_failures.load(Ordering::Relaxed) < claimed_before + due.len()
        && Instant::now() < deadline
    {
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    // A moment more for anything that should not come (a second offer to someone).
    tokio::time::sleep(Duration::from_secs(2)).await;
    let reached_in = lock(&mailbox.last_claim).map_or(Duration::ZERO, |last| last.saturating_duration_since(cancelled_at));

    let after = whole_list(store.as_ref(), event_id).await?;
    let offered_now: HashSet<i64> = after.iter().filter(|entry| entry.state == "offered").map(|entry| entry.id).collect();
    let due_ids: HashSet<i64> = due.iter().map(|entry| entry.id).collect();
    let reached = due.iter().filter(|entry| offered_now.contains(&entry.id)).count();
    let out_of_line = before.iter().filter(|entry| offered_now.contains(&entry.id) && !due_ids.contains(&entry.id)).count();
    // Over the whole run: each offered person got exactly one email, and nobody else got one.
    let offered_addresses: HashSet<&str> =
        after.iter().filter(|entry| entry.state == "offered").map(|entry| entry.email.as_str()).collect();
    let emailed_twice = offered_addresses.iter().filter(|address| mailbox.offers_to(address) > 1).count();
    let not_emailed = offered_addresses.iter().filter(|address| mailbox.offers_to(address) == 0).count();
    let emails_astray = mailbox.offers_received() - offered_addresses.iter().map(|address| mailbox.offers_to(address)).sum::<usize>();
    let claimed = mailbox.claimed.load(Ordering::Relaxed);

    for (bad, what) in [
        (cancelled != order_ids.len(), format!("{} of {} cancellations failed", order_ids.len() - cancelled, order_ids.len())),
        (reached != due.len(), format!("{} of the {} next in line were offered nothing", due.len() - reached, due.len())),
        (out_of_line > 0, format!("{out_of_line} people were offered tickets out of line")),
        (emailed_twice > 0, format!("{emailed_twice} people got more than one offer email")),
        (not_emailed > 0, format!("{not_emailed} people were offered tickets but got no email")),
        (emails_astray > 0, format!("{emails_astray} offer emails went to people offered nothing")),
        (claimed != offered_addresses.len(), format!("{claimed} offers bought of {} made", offered_addresses.len())),
    ] {
        if bad {
            failures.push(what);
        }
    }
    Ok(ListReport {
        joined: sale.joined.load(Ordering::Relaxed),
        waiting_before: before.len(),
        cancelled,
        returned_tickets,
        free_before,
        due: due.len(),
        reached,
        out_of_line,
        emailed_twice,
        not_emailed,
        emails_astray,
        claimed,
        reached_in,
        failures,
    })
}

/// The organiser's password, for the account the simulator makes.
pub const ORGANISER_PASSWORD: &str = "the sale simulator's organiser";

#[cfg(test)]
mod tests {
    #[test]
    fn an_offer_email_gives_its_address_and_hold() {
        let email = b"From: tickets@localhost\r\nTo: buyer12.guest0@sale.example\r\nSubject: Your turn: 2 tickets for X are kept for you\r\n\
            Content-Type: text/plain; charset=utf-8\r\n\r\nBuy them here:\r\nhttp://127.0.0.1:1/checkout/0f8fad5b-d9cb-469f-a165-70867728950e\r\n";
        assert_eq!(super::offer_in(email), Some(("buyer12.guest0@sale.example".into(), "0f8fad5b-d9cb-469f-a165-70867728950e".into())));
        let confirmation = b"To: a@b.example\r\nSubject: Your tickets\r\n\r\nhttp://127.0.0.1:1/checkout/0f8fad5b\r\n";
        assert_eq!(super::offer_in(confirmation), None);
    }
}
