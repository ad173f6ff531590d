//! The card payment provider of a paying sale: localstripe (PyPI), the Stripe-compatible test
//! server, started for the run on a free loopback port through `scripts/run-localstripe.py`, and
//! what a buyer's browser asks of it (a card, the bank's 3-D Secure check). Its speed is the test
//! server's, not Stampede's: the buyers' calls are recorded apart (`Step::Provider`), their cards
//! are made before the sale, and the storefront reaches localstripe through a proxy here that
//! times each of its calls (`Step::OriginIntent`, `Step::OriginOther`), so that the provider's part
//! of the storefront's answers is known.
use crate::stats::{Recorder, Step};
use anyhow::{bail, Context};
use stampede::payments::breaker::BreakerSettings;
use stampede::payments::stripe::StripeSettings;
use stampede::payments::{CardProvider, NewAccount};
use stampede::store::Store;
use std::collections::HashMap;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

pub const PUBLISHABLE_KEY: &str = "pk_test_stampede_sale";
pub const SECRET_KEY: &str = "sk_test_stampede_sale";
pub const WEBHOOK_SECRET: &str = "whsec_stampede_sale";

/// Stripe's test cards, as localstripe knows them.
pub const PAYS: &str = "4242424242424242";
pub const DECLINED: &str = "4000000000000341";
pub const THREE_D_SECURE: &str = "4000002760003184";

pub struct LocalStripe {
    pub base: String,
    /// The proxy in front of localstripe: the storefront's `STRIPE_API_BASE`.
    pub api_base: String,
    /// The storefront's calls to localstripe, as the proxy timed them.
    pub origin_calls: Arc<Recorder>,
    proxy: tokio::task::JoinHandle<()>,
    child: Child,
    client: reqwest::Client,
}

impl LocalStripe {
    pub async fn start() -> anyhow::Result<LocalStripe> {
        let port = std::net::TcpListener::bind("127.0.0.1:0")?.local_addr()?.port();
        let script = concat!(env!("CARGO_MANIFEST_DIR"), "/../scripts/run-localstripe.py");
        let child = Command::new("python3")
            .arg(script)
            .args(["--port", &port.to_string()])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .context("python3 scripts/run-localstripe.py (localstripe: `make localstripe` installs it)")?;
        let client = reqwest::Client::builder().timeout(Duration::from_secs(30)).build()?;
        let base = format!("http://127.0.0.1:{port}");
        let origin_calls = Arc::new(Recorder::default());
        let (api_base, proxy) = start_proxy(base.clone(), client.clone(), origin_calls.clone()).await?;
        let stripe = LocalStripe { base, api_base, origin_calls, proxy, child, client };
        let deadline = Instant::now() + Duration::from_secs(20);
        while Instant::now() < deadline {
            if stripe.client.get(format!("{}/js.stripe.com/v3/", stripe.base)).send().await.is_ok_and(|r| r.status().is_success()) {
                return Ok(stripe);
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        bail!("localstripe did not answer within 20 s (is it installed? `make localstripe`)")
    }

    /// The provider settings the simulator's own `CardProvider` uses to connect the account.
    fn settings(&self) -> StripeSettings {
        StripeSettings {
            api_base: self.base.clone(),
            js_url: format!("{}/js.stripe.com/v3/", self.base),
            timeout: Duration::from_secs(10),
            breaker: BreakerSettings { threshold: 5, cooldown: Duration::from_secs(5) },
        }
    }

    /// Connects the organisation's test account (sealed with `sealing_key`, the storefront's
    /// `PAYMENT_SECRETS_KEY`) and sends its webhooks to `origin`, as an organiser would.
    pub async fn connect(&self, store: Arc<dyn Store>, sealing_key: &str, organiser_id: i64, origin: &str) -> anyhow::Result<()> {
        let cards = CardProvider::new(store, &self.settings(), Some(sealing_key)).await?;
        let account =
            NewAccount { publishable_key: PUBLISHABLE_KEY.into(), secret_key: SECRET_KEY.into(), webhook_secret: WEBHOOK_SECRET.into() };
        cards.connect(organiser_id, account, None).await.map_err(|err| anyhow::anyhow!("connecting the test account: {err}"))?;
        let url = format!("{origin}/api/payments/stripe/{organiser_id}/webhook");
        let response = self
            .client
            .post(format!("{}/_config/webhooks/sale", self.base))
            .form(&[("url", url.as_str()), ("secret", WEBHOOK_SECRET)])
            .send()
            .await?;
        if !response.status().is_success() {
            bail!("registering the webhook: {}", response.status());
        }
        Ok(())
    }

    /// What the buyers' browsers ask of the provider.
    pub fn browser(&self) -> Browser {
        Browser { base: self.base.clone(), client: self.client.clone(), pools: Arc::default() }
    }
}

/// The provider as a buyer's browser (Stripe.js) talks to it.
#[derive(Clone)]
pub struct Browser {
    base: String,
    client: reqwest::Client,
    /// Cards made before the sale, by number.
    pools: Arc<Mutex<HashMap<&'static str, Vec<String>>>>,
}

impl Browser {
    /// Makes the cards the buyers will pay with before the sale (`wanted`: how many of each
    /// number), a few requests at a time; how many, and how long it took.
    pub async fn make_cards(&self, wanted: &[(&'static str, usize)]) -> anyhow::Result<(usize, Duration)> {
        let jobs: Vec<&'static str> = wanted.iter().flat_map(|(number, count)| std::iter::repeat_n(*number, *count)).collect();
        let total = jobs.len();
        let jobs = Arc::new(Mutex::new(jobs));
        let started = Instant::now();
        let mut workers = tokio::task::JoinSet::new();
        // localstripe answers one request at a time: a few in flight keep it busy.
        for _ in 0..4 {
            let (browser, jobs) = (self.clone(), jobs.clone());
            workers.spawn(async move {
                loop {
                    let Some(number) = jobs.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).pop() else { return Ok(()) };
                    let card = browser.card(number).await.context("localstripe did not make a card")?;
                    browser.pools.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).entry(number).or_default().push(card);
                }
            });
        }
        while let Some(done) = workers.join_next().await {
            let made: anyhow::Result<()> = done?;
            made?;
        }
        Ok((total, started.elapsed()))
    }

    /// A card with this number from the pool, or made now when the pool ran dry (true).
    pub async fn take_card(&self, number: &'static str) -> (Option<String>, bool) {
        let pooled = self.pools.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).get_mut(number).and_then(Vec::pop);
        match pooled {
            Some(card) => (Some(card), false),
            None => (self.card(number).await, true),
        }
    }

    /// A card as Stripe.js makes it from what a buyer typed: a PaymentMethod id.
    pub async fn card(&self, number: &str) -> Option<String> {
        let form =
            [("type", "card"), ("card[number]", number), ("card[exp_month]", "12"), ("card[exp_year]", "2030"), ("card[cvc]", "123")];
        let response =
            self.client.post(format!("{}/v1/payment_methods", self.base)).bearer_auth(SECRET_KEY).form(&form).send().await.ok()?;
        let body: serde_json::Value = response.json().await.ok()?;
        body["id"].as_str().map(str::to_string)
    }

    /// The buyer passes the bank's check (3-D Secure), as Stripe.js sends it.
    pub async fn authenticate(&self, client_secret: &str) -> bool {
        let Some(intent) = client_secret.split("_secret_").next() else { return false };
        let body = serde_json::json!({ "key": PUBLISHABLE_KEY, "client_secret": client_secret });
        let url = format!("{}/v1/payment_intents/{intent}/_authenticate?success=true", self.base);
        self.client.post(url).json(&body).send().await.is_ok_and(|r| r.status().is_success())
    }
}

impl Drop for LocalStripe {
    fn drop(&mut self) {
        self.proxy.abort();
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts the proxy between the storefront and localstripe on a free loopback port: its address,
/// and its task.
async fn start_proxy(base: String, client: reqwest::Client, calls: Arc<Recorder>) -> anyhow::Result<(String, tokio::task::JoinHandle<()>)> {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let address = format!("http://{}", listener.local_addr()?);
    let router = axum::Router::new().fallback(forward).with_state(Arc::new(Proxy { base, client, calls }));
    let task = tokio::spawn(async move {
        if let Err(err) = axum::serve(listener, router).await {
            eprintln!("the proxy in front of localstripe stopped: {err}");
        }
    });
    Ok((address, task))
}

struct Proxy {
    base: String,
    client: reqwest::Client,
    calls: Arc<Recorder>,
}

/// Passes one of the storefront's calls on to localstripe as it came, and times localstripe's
/// answer (a call that got no answer is a 502 to the storefront, as a provider outage would be).
async fn forward(
    axum::extract::State(proxy): axum::extract::State<Arc<Proxy>>,
    request: axum::extract::Request,
) -> axum::response::Response {
    use axum::http::{header, StatusCode};
    use axum::response::IntoResponse;
    let (parts, body) = request.into_parts();
    let Ok(body) = axum::body::to_bytes(body, 1 << 20).await else {
        return StatusCode::BAD_REQUEST.into_response();
    };
    let path = parts.uri.path_and_query().map_or("/", |path| path.as_str());
    let mut call = proxy.client.request(parts.method.clone(), format!("{}{path}", proxy.base)).body(body);
    for (name, value) in &parts.headers {
        if name != header::HOST && name != header::CONTENT_LENGTH && name != header::CONNECTION {
            call = call.header(name, value);
        }
    }
    let creates_intent = parts.method == axum::http::Method::POST && parts.uri.path().trim_end_matches('/') == "/v1/payment_intents";
    let step = if creates_intent { Step::OriginIntent } else { Step::OriginOther };
    let started = Instant::now();
    let answer = match call.send().await {
        Ok(response) => {
            let (status, content_type) = (response.status(), response.headers().get(header::CONTENT_TYPE).cloned());
            response.bytes().await.ok().map(|bytes| (status, content_type, bytes))
        }
        Err(_) => None,
    };
    // Labelled by the provider's answer; never counted as the storefront's 5xx.
    let label = answer.as_ref().map_or("no answer".to_string(), |(status, _, _)| format!("localstripe {}", status.as_u16()));
    proxy.calls.record(step, &label, started.elapsed(), answer.as_ref().is_some_and(|(status, _, _)| status.is_success()));
    match answer {
        Some((status, content_type, bytes)) => {
            let mut response = (status, bytes).into_response();
            if let Some(content_type) = content_type {
                response.headers_mut().insert(header::CONTENT_TYPE, content_type);
            }
            response
        }
        None => StatusCode::BAD_GATEWAY.into_response(),
    }
}
