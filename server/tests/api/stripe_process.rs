//! localstripe (PyPI), a Stripe-compatible server, started by a test on its own loopback port
//! (through `scripts/run-localstripe.py`) and stopped when the test ends. It signs webhooks and serves
//! a Stripe.js stand-in, so the origin is tested against a real-shaped provider over HTTP. When it
//! cannot be started the test fails: it never skips.
use super::redis_process::free_port;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Any `sk_test_` key opens localstripe; this is the test organisations'.
pub const SECRET_KEY: &str = "sk_test_stampede0123456789";
pub const PUBLISHABLE_KEY: &str = "pk_test_stampede0123456789";

pub struct LocalStripe {
    pub port: u16,
    child: Option<Child>,
    client: reqwest::Client,
}

impl LocalStripe {
    pub async fn start() -> LocalStripe {
        let port = free_port();
        let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../scripts/run-localstripe.py");
        let child = Command::new("python3")
            .arg(&script)
            .args(["--port", &port.to_string()])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|err| panic!("python3 {} is required for the payment tests: {err}", script.display()));
        let stripe =
            LocalStripe { port, child: Some(child), client: reqwest::Client::builder().timeout(Duration::from_secs(10)).build().unwrap() };
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            if stripe.client.get(stripe.url("/js.stripe.com/v3/")).send().await.is_ok_and(|r| r.status().is_success()) {
                return stripe;
            }
            assert!(Instant::now() < deadline, "localstripe did not answer on port {port} (is it installed? `pip install localstripe`)");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    pub fn base(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base())
    }

    /// Sends every event, signed with `secret`, to `url` (as a Stripe account's webhook endpoint).
    pub async fn send_webhooks_to(&self, url: &str, secret: &str) {
        let response = self
            .client
            .post(self.url(&format!("/_config/webhooks/{}", uuid::Uuid::new_v4().simple())))
            .form(&[("url", url), ("secret", secret)])
            .send()
            .await
            .unwrap();
        assert!(response.status().is_success(), "registering a webhook: {}", response.status());
    }

    /// A card, as Stripe.js would make it from what the buyer typed: a PaymentMethod id.
    pub async fn card(&self, number: &str) -> String {
        let form =
            [("type", "card"), ("card[number]", number), ("card[exp_month]", "12"), ("card[exp_year]", "2030"), ("card[cvc]", "123")];
        let response = self.client.post(self.url("/v1/payment_methods")).bearer_auth(SECRET_KEY).form(&form).send().await.unwrap();
        assert!(response.status().is_success(), "creating a payment method: {}", response.status());
        response.json::<serde_json::Value>().await.unwrap()["id"].as_str().unwrap().to_string()
    }

    /// The buyer's answer to the bank's 3-D Secure check, as Stripe.js sends it.
    pub async fn authenticate(&self, client_secret: &str, success: bool) {
        let intent = client_secret.split("_secret_").next().unwrap();
        let response = self
            .client
            .post(self.url(&format!("/v1/payment_intents/{intent}/_authenticate?success={success}")))
            .json(&serde_json::json!({ "key": PUBLISHABLE_KEY, "client_secret": client_secret }))
            .send()
            .await
            .unwrap();
        assert!(response.status().is_success(), "authenticating: {}", response.text().await.unwrap());
    }

    /// A PaymentIntent as the provider has it.
    pub async fn intent(&self, id: &str) -> serde_json::Value {
        self.client.get(self.url(&format!("/v1/payment_intents/{id}"))).bearer_auth(SECRET_KEY).send().await.unwrap().json().await.unwrap()
    }

    /// The provider's refunds of an intent.
    pub async fn refunds(&self, intent: &str) -> Vec<serde_json::Value> {
        let body: serde_json::Value = self
            .client
            .get(self.url(&format!("/v1/refunds?payment_intent={intent}")))
            .bearer_auth(SECRET_KEY)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        body["data"].as_array().cloned().unwrap_or_default()
    }

    /// Stops the server, as a provider outage would.
    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

impl Drop for LocalStripe {
    fn drop(&mut self) {
        self.stop();
    }
}
