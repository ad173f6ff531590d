//! The buyers: an open-loop arrival schedule, and each buyer's journey through the storefront.
//! A buyer is spawned at their arrival time whatever the storefront is doing, so a slow storefront
//! meets more buyers at once, as it would at a real on-sale.
use crate::options::{CardShares, Options, Scenario};
use crate::provider::{self, Browser};
use crate::stats::{Recorder, Step};
use crate::waiting_list;
use app::model::{Availability, Hold, HoldRequest, HoldRequestItem, OrderRequest, PaymentMethod, Person, SaleStatus};
use app::payment::{CardPaymentRequest, PaymentState, PaymentStatus};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::Semaphore;

/// The key the simulator's storefront is started with (`STAMPEDE_EDGE_KEY`): the buyers speak as
/// the edge would for them, each from an address of its own, so that the storefront's per-client
/// limits see ten thousand people, not one machine (see `Sale::as_buyer`).
pub const EDGE_KEY: &str = "the sale simulator's edge key";

pub struct Sale {
    pub base_url: String,
    pub slug: String,
    pub ticket_type_id: i64,
    pub options: Options,
    pub recorder: Recorder,
    pub client: reqwest::Client,
    connections: Semaphore,
    pub deadline: Instant,
    active: AtomicUsize,
    pub peak_active: AtomicUsize,
    /// The card provider as the buyers' browsers reach it (`--pay-by-card`).
    provider: Option<Browser>,
    /// How the paying buyers' payments ended.
    pub cards: CardTally,
    /// Buyers on the waiting list (`--waiting-list`).
    pub joined: AtomicUsize,
    /// What the waiting room told each buyer (`--through-edge`).
    pub room_log: crate::room::RoomLog,
}

/// How the card payments of a sale ended, as the buyers saw them.
#[derive(Default)]
pub struct CardTally {
    pub paid: AtomicUsize,
    pub declined: AtomicUsize,
    pub three_ds: AtomicUsize,
    pub late: AtomicUsize,
    pub refunded: AtomicUsize,
    /// The first and the last `paid` answer, for orders per second.
    paid_between: std::sync::Mutex<Option<(Instant, Instant)>>,
}

impl CardTally {
    fn count_paid(&self) {
        self.paid.fetch_add(1, Ordering::Relaxed);
        let now = Instant::now();
        let mut between = self.paid_between.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        *between = Some(between.map_or((now, now), |(first, _)| (first, now)));
    }

    /// Orders made by card payments per second, from the first to the last.
    pub fn orders_per_second(&self) -> f64 {
        let paid = self.paid.load(Ordering::Relaxed);
        match *self.paid_between.lock().unwrap_or_else(|poisoned| poisoned.into_inner()) {
            Some((first, last)) if paid > 1 => paid as f64 / (last - first).as_secs_f64().max(0.001),
            _ => paid as f64,
        }
    }

    pub fn line(&self) -> String {
        let n = |count: &AtomicUsize| count.load(Ordering::Relaxed);
        format!(
            "paid={} declined={} three_ds={} late={} refunded={}",
            n(&self.paid),
            n(&self.declined),
            n(&self.three_ds),
            n(&self.late),
            n(&self.refunded)
        )
    }
}

impl Sale {
    pub fn new(
        base_url: String,
        slug: String,
        ticket_type_id: i64,
        options: Options,
        deadline: Instant,
        provider: Option<Browser>,
    ) -> anyhow::Result<Sale> {
        let client = reqwest::Client::builder()
            .timeout(Duration::from_secs(10))
            .pool_max_idle_per_host(options.max_connections)
            // The storefront closes a connection idle for its HEADER_READ_TIMEOUT_MS (10 s): one
            // reused just as it closes fails the request. Browsers retry those; these buyers
            // drop idle connections well before, so a failure here is the storefront's.
            .pool_idle_timeout(Duration::from_secs(5))
            .tcp_nodelay(true)
            .build()?;
        Ok(Sale {
            base_url,
            slug,
            ticket_type_id,
            connections: Semaphore::new(options.max_connections),
            options,
            recorder: Recorder::default(),
            client,
            deadline,
            active: AtomicUsize::new(0),
            peak_active: AtomicUsize::new(0),
            provider,
            cards: CardTally::default(),
            joined: AtomicUsize::new(0),
            room_log: crate::room::RoomLog::default(),
        })
    }
}

impl Sale {
    /// `request` as the edge forwards it for buyer number `buyer`: from an address in 10.0.0.0/8
    /// of that buyer's own.
    /// Through the edge (`--through-edge`), the address is said as Cloudflare says it, and the edge
    /// passes it on the same way.
    pub fn as_buyer(&self, buyer: usize, request: reqwest::RequestBuilder) -> reqwest::RequestBuilder {
        let [_, a, b, c] = (buyer as u32).to_be_bytes();
        let address = format!("10.{a}.{b}.{c}");
        request.header("x-stampede-edge-key", EDGE_KEY).header("x-stampede-client-ip", &address).header("cf-connecting-ip", address)
    }
}

/// Arrival offsets from the on-sale moment, sorted. Flash: a spike that decays over the window
/// (exponential, mean a quarter of the window, cut at its end). Ample: evenly at `rate`.
pub fn schedule(options: &Options) -> Vec<Duration> {
    let mut rng = StdRng::seed_from_u64(options.seed);
    let total = options.total_buyers();
    let mut offsets: Vec<Duration> = match options.scenario {
        Scenario::Flash => {
            let window = options.window.as_secs_f64();
            let mean = window / 4.0;
            (0..total)
                .map(|_| loop {
                    let t = -mean * (1.0 - rng.gen::<f64>()).ln();
                    if t < window {
                        break Duration::from_secs_f64(t);
                    }
                })
                .collect()
        }
        Scenario::Ample => (0..total).map(|i| Duration::from_secs_f64(i as f64 / options.rate)).collect(),
    };
    offsets.sort();
    offsets
}

/// Spawns every buyer at their time and waits for all of them (each bounded by the deadline).
pub async fn run(sale: Arc<Sale>, start: tokio::time::Instant, offsets: Vec<Duration>) {
    let mut buyers = Vec::with_capacity(offsets.len());
    for (i, offset) in offsets.into_iter().enumerate() {
        tokio::time::sleep_until(start + offset).await;
        if Instant::now() >= sale.deadline {
            break;
        }
        let sale = sale.clone();
        buyers.push(tokio::spawn(async move {
            let now_active = sale.active.fetch_add(1, Ordering::Relaxed) + 1;
            sale.peak_active.fetch_max(now_active, Ordering::Relaxed);
            let mut rng = StdRng::seed_from_u64(sale.options.seed.wrapping_mul(1_000_003).wrapping_add(i as u64));
            journey(&sale, &mut rng, i).await;
            sale.active.fetch_sub(1, Ordering::Relaxed);
        }));
    }
    for buyer in buyers {
        let _ = buyer.await;
    }
}

pub enum Outcome {
    Status(u16, Option<String>, Option<Duration>),
    Failed(&'static str),
}

impl Sale {
    /// One request; latency counts the wait for a connection slot too.
    pub async fn send(&self, step: Step, request: reqwest::RequestBuilder, ok: u16) -> Outcome {
        self.exchange(step, request, ok).await.0
    }

    /// [`Sale::send`], with the cookies the answer sets (its `Set-Cookie` values).
    pub async fn exchange(&self, step: Step, request: reqwest::RequestBuilder, ok: u16) -> (Outcome, Vec<String>) {
        let started = Instant::now();
        let Ok(_slot) = self.connections.acquire().await else { return (Outcome::Failed("closed"), Vec::new()) };
        let mut cookies = Vec::new();
        let outcome = match request.send().await {
            Ok(response) => {
                let status = response.status().as_u16();
                let retry_after = response
                    .headers()
                    .get("retry-after")
                    .and_then(|v| v.to_str().ok())
                    .and_then(|v| v.parse::<u64>().ok())
                    .map(Duration::from_secs);
                cookies = response.headers().get_all("set-cookie").iter().filter_map(|v| v.to_str().ok().map(str::to_string)).collect();
                match response.text().await {
                    Ok(body) => Outcome::Status(status, Some(body), retry_after),
                    Err(err) if err.is_timeout() => Outcome::Failed("timeout"),
                    Err(_) => Outcome::Failed("network error"),
                }
            }
            Err(err) if err.is_timeout() => Outcome::Failed("timeout"),
            Err(_) => Outcome::Failed("network error"),
        };
        let elapsed = started.elapsed();
        match &outcome {
            Outcome::Status(409, _, _) if step == Step::Hold => self.recorder.record(Step::HoldRefused, "409", elapsed, true),
            Outcome::Status(status, _, _) => self.recorder.record(step, &status.to_string(), elapsed, *status == ok),
            Outcome::Failed(what) => self.recorder.record(step, what, elapsed, false),
        }
        (outcome, cookies)
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base_url)
    }

    fn past_deadline(&self) -> bool {
        Instant::now() >= self.deadline
    }
}

async fn pause(sale: &Sale, duration: Duration) {
    let until = (Instant::now() + duration).min(sale.deadline);
    tokio::time::sleep_until(until.into()).await;
}

async fn journey(sale: &Sale, rng: &mut StdRng, buyer: usize) {
    let options = &sale.options;
    let flash = options.scenario == Scenario::Flash;
    // Through the edge, the room first: its admission rides on every request after.
    let jar = match options.edge {
        Some(_) => match crate::room::wait_turn(sale, buyer, rng).await {
            crate::room::Turn::Admitted(jar) => Some(jar),
            crate::room::Turn::SoldOut | crate::room::Turn::NoAnswer => return,
        },
        None => None,
    };
    let as_buyer = |request: reqwest::RequestBuilder| match &jar {
        Some(jar) => sale.as_buyer(buyer, request).header("cookie", jar.header()),
        None => sale.as_buyer(buyer, request),
    };
    if options.with_page {
        sale.send(Step::Page, as_buyer(sale.client.get(sale.url(&format!("/e/{}", sale.slug)))), 200).await;
    }
    let wanted: i64 = if flash { *[1, 1, 2, 2, 2, 3, 4].get(rng.gen_range(0..7)).unwrap_or(&1) } else { rng.gen_range(1..=2) };
    let patience_ends = Instant::now() + options.patience;
    // Of the buyers who find the tickets gone, this share joins the waiting list (drawn only then,
    // so that runs without a list see the same buyers as before).
    let joins_list = options.waiting_list.is_some_and(|list| rng.gen_bool(list.join_share));
    let mut busy_retries = 0;
    let hold = loop {
        if sale.past_deadline() || Instant::now() >= patience_ends {
            return;
        }
        // Flash buyers look before they leap (and keep looking when sold out); ample buyers hold.
        let quantity = if flash {
            match availability(sale).await {
                Some((SaleStatus::OnSale, available)) if available > 0 => wanted.min(available),
                Some((SaleStatus::Scheduled, _)) => {
                    pause(sale, Duration::from_millis(rng.gen_range(500..1_000))).await;
                    continue;
                }
                Some((SaleStatus::SoldOut, _)) if joins_list => match waiting_list::join(sale, buyer, wanted).await {
                    waiting_list::Joined::Yes | waiting_list::Joined::No => return,
                    waiting_list::Joined::NotYet(retry_after) => {
                        pause(sale, retry_after.unwrap_or_else(|| jitter(rng, options.poll))).await;
                        continue;
                    }
                },
                _ => {
                    pause(sale, jitter(rng, options.poll)).await;
                    continue;
                }
            }
        } else {
            wanted
        };
        let request = HoldRequest { items: vec![HoldRequestItem { ticket_type_id: sale.ticket_type_id, quantity }], access_code: None };
        let post = as_buyer(sale.client.post(sale.url(&format!("/api/events/{}/holds", sale.slug))).json(&request));
        match sale.send(Step::Hold, post, 201).await {
            Outcome::Status(201, Some(body), _) => match serde_json::from_str::<Hold>(&body) {
                Ok(hold) => break hold,
                Err(_) => return,
            },
            Outcome::Status(409, _, _) if flash => pause(sale, jitter(rng, options.poll)).await,
            // Over the storefront's per-client hold rate: as a browser would, wait as told.
            Outcome::Status(429, _, retry_after) => pause(sale, retry_after.unwrap_or(Duration::from_secs(2))).await,
            Outcome::Status(503, _, retry_after) if busy_retries < 5 => {
                busy_retries += 1;
                pause(sale, retry_after.unwrap_or(Duration::from_secs(1))).await;
            }
            // 422 (not on sale yet: clocks a few ms apart) is worth another look.
            Outcome::Status(422, _, _) => pause(sale, Duration::from_millis(250)).await,
            _ => return,
        }
    };
    let (low, high) = options.think_ms;
    pause(sale, Duration::from_millis(rng.gen_range(low..=high))).await;
    if rng.gen_bool(options.abandon_rate) || sale.past_deadline() {
        return; // walks away; the hold expires by itself
    }
    let quantity: i64 = hold.items.iter().map(|item| item.quantity).sum();
    let by_card = hold.total_minor > 0 && sale.provider.is_some();
    let order = OrderRequest {
        buyer: person(buyer, 0),
        attendees: (0..quantity as usize).map(|i| person(buyer, i)).collect(),
        payment: match (hold.total_minor, by_card) {
            (0, _) => PaymentMethod::Free,
            (_, true) => PaymentMethod::Card,
            _ => PaymentMethod::Offline,
        },
        discount_code: None,
        answers: Vec::new(),
    };
    if let (true, Some(shares)) = (by_card, options.cards) {
        return pay_by_card(sale, rng, buyer, &hold, order, shares).await;
    }
    let key = uuid::Uuid::new_v4().to_string();
    for attempt in 0..4 {
        let post =
            as_buyer(sale.client.post(sale.url(&format!("/api/holds/{}/order", hold.id))).header("Idempotency-Key", &key).json(&order));
        match sale.send(Step::Order, post, 201).await {
            Outcome::Status(status, _, _) if status < 500 => return,
            Outcome::Status(_, _, retry_after) => pause(sale, retry_after.unwrap_or(Duration::from_millis(500))).await,
            Outcome::Failed(_) => pause(sale, Duration::from_millis(500 * (attempt + 1))).await,
        }
    }
}

/// What kind of card a paying buyer has.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Card {
    Pays,
    /// Declined: the buyer tries once more with a card that pays.
    Declined,
    /// The bank asks for 3-D Secure, which the buyer passes at once.
    ThreeDs,
    /// 3-D Secure, passed only after the hold has expired (and its payment extension with it).
    Late,
}

impl Card {
    fn pick(rng: &mut StdRng, shares: CardShares) -> Card {
        let roll: f64 = rng.gen();
        if roll < shares.declined {
            Card::Declined
        } else if roll < shares.declined + shares.three_ds {
            Card::ThreeDs
        } else if roll < shares.declined + shares.three_ds + shares.late {
            Card::Late
        } else {
            Card::Pays
        }
    }

    fn number(self) -> &'static str {
        match self {
            Card::Pays => provider::PAYS,
            Card::Declined => provider::DECLINED,
            Card::ThreeDs | Card::Late => provider::THREE_D_SECURE,
        }
    }
}

/// How many cards of each kind the sale's payments may use, to make before it: every hold takes
/// a ticket at least, and stock comes back from buyers who walk away or pay too late.
pub fn cards_wanted(options: &Options, shares: CardShares) -> Vec<(&'static str, usize)> {
    let holds = options.total_buyers().min((options.capacity.max(0) as usize).saturating_mul(3) / 2 + 20) as f64;
    let three_ds = shares.three_ds + shares.late;
    vec![
        (Card::Pays.number(), (holds * (1.0 - three_ds)).ceil() as usize + 10),
        (Card::Declined.number(), (holds * shares.declined * 1.5).ceil() as usize + 5),
        (Card::ThreeDs.number(), (holds * three_ds * 1.5).ceil() as usize + 5),
    ]
}

/// A paying buyer's checkout: the card from the provider (as Stripe.js makes it), the payment, the
/// bank's check when asked, the return; a declined buyer tries once more with another card.
async fn pay_by_card(sale: &Sale, rng: &mut StdRng, buyer: usize, hold: &Hold, order: OrderRequest, shares: CardShares) {
    let Some(provider) = &sale.provider else { return };
    let mut card = Card::pick(rng, shares);
    for _ in 0..2 {
        // Made before the sale (`Browser::make_cards`); one made now, when its pool ran dry, is
        // the provider's time and recorded as such.
        let started = Instant::now();
        let (payment_method, made_now) = provider.take_card(card.number()).await;
        if made_now {
            let status = if payment_method.is_some() { "card" } else { "failed" };
            sale.recorder.record(Step::Provider, status, started.elapsed(), payment_method.is_some());
        }
        let Some(payment_method) = payment_method else { return };
        let key = uuid::Uuid::new_v4().to_string();
        let request = CardPaymentRequest { order: order.clone(), payment_method };
        let path = format!("/api/holds/{}/payment", hold.id);
        let Some((status, state)) = payment(sale, Step::Payment, buyer, &path, &key, Some(&request)).await else { return };
        match (status, state) {
            (402, _) => {
                sale.cards.declined.fetch_add(1, Ordering::Relaxed);
                card = Card::Pays;
                continue;
            }
            (_, Some(state)) if state.status == PaymentStatus::RequiresAction => {
                let Some(secret) = state.client_secret else { return };
                if card == Card::Late {
                    sale.cards.late.fetch_add(1, Ordering::Relaxed);
                    // Past the hold's expiry as the origin extended it, and a reaper round after.
                    let until = state.hold_expires_at + chrono::Duration::seconds(2);
                    pause(sale, (until - chrono::Utc::now()).to_std().unwrap_or_default()).await;
                } else {
                    sale.cards.three_ds.fetch_add(1, Ordering::Relaxed);
                }
                let started = Instant::now();
                let passed = provider.authenticate(&secret).await;
                sale.recorder.record(Step::Provider, if passed { "3-D Secure" } else { "failed" }, started.elapsed(), passed);
                let path = format!("/api/holds/{}/payment/complete", hold.id);
                if let Some((_, Some(state))) = payment(sale, Step::PaymentReturn, buyer, &path, &key, None).await {
                    tally(sale, &state);
                }
                return;
            }
            (_, Some(state)) => {
                tally(sale, &state);
                return;
            }
            _ => return,
        }
    }
}

fn tally(sale: &Sale, state: &PaymentState) {
    match state.status {
        PaymentStatus::Paid => sale.cards.count_paid(),
        PaymentStatus::Refunded => {
            sale.cards.refunded.fetch_add(1, Ordering::Relaxed);
        }
        _ => {}
    }
}

/// One call to the origin's card payment API, retried while it says it is busy; its status and
/// state (None for an error body).
async fn payment(
    sale: &Sale,
    step: Step,
    buyer: usize,
    path: &str,
    key: &str,
    request: Option<&CardPaymentRequest>,
) -> Option<(u16, Option<PaymentState>)> {
    for attempt in 0..4u32 {
        let mut post = sale.client.post(sale.url(path)).header("Idempotency-Key", key);
        if let Some(request) = request {
            post = post.json(request);
        }
        match sale.send(step, sale.as_buyer(buyer, post), 201).await {
            Outcome::Status(status, body, _) if status < 500 => {
                let state = body.and_then(|body| serde_json::from_str::<PaymentState>(&body).ok());
                return Some((status, state));
            }
            Outcome::Status(_, _, retry_after) => pause(sale, retry_after.unwrap_or(Duration::from_millis(500))).await,
            Outcome::Failed(_) => pause(sale, Duration::from_millis(500 * u64::from(attempt + 1))).await,
        }
    }
    None
}

pub async fn availability(sale: &Sale) -> Option<(SaleStatus, i64)> {
    let get = sale.client.get(sale.url(&format!("/api/events/{}/availability", sale.slug)));
    let Outcome::Status(200, Some(body), _) = sale.send(Step::Availability, get, 200).await else { return None };
    let availability: Availability = serde_json::from_str(&body).ok()?;
    availability.ticket_types.iter().find(|t| t.id == sale.ticket_type_id).map(|t| (t.status, t.available))
}

fn jitter(rng: &mut StdRng, around: Duration) -> Duration {
    around.mul_f64(rng.gen_range(0.75..1.25))
}

pub fn person(buyer: usize, n: usize) -> Person {
    Person { name: format!("Buyer {buyer} Guest {n}"), email: format!("buyer{buyer}.guest{n}@sale.example") }
}

/// The buyer whose address `person` made.
pub fn buyer_of(address: &str) -> Option<usize> {
    address.strip_prefix("buyer")?.split_once('.')?.0.parse().ok()
}
