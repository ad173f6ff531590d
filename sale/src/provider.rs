//! The card payment provider of a paying sale: localstripe (PyPI), the Stripe-compatible test
//! server, started for the run on a free loopback port through `scripts/run-localstripe.py`, and
//! what a buyer's browser asks of it (a card, the bank's 3-D Secure check). Its speed is the test
//! server's, not Stampede's: those calls are recorded apart (`Step::Provider`).
use anyhow::{bail, Context};
use stampede::payments::breaker::BreakerSettings;
use stampede::payments::stripe::StripeSettings;
use stampede::payments::{CardProvider, NewAccount};
use stampede::store::Store;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
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
        let stripe = LocalStripe { base: format!("http://127.0.0.1:{port}"), child, client };
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
        Browser { base: self.base.clone(), client: self.client.clone() }
    }
}

/// The provider as a buyer's browser (Stripe.js) talks to it.
#[derive(Clone)]
pub struct Browser {
    base: String,
    client: reqwest::Client,
}

impl Browser {
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
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
