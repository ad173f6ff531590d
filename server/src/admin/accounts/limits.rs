//! How often one may try: sign-in and sign-up, per client first, then per address.
//!
//! Policy (docs/operations.md, "Security"): the client (its address, an IPv6 client by its /64)
//! is limited first, on every attempt, so one client cannot spread guesses over many addresses.
//! Then failed sign-ins are counted per address *and* client: a guesser's failures use up the
//! budget of the guesser's client for that address only, so the real owner, signing in from any
//! other client, is never locked out by them. What stops a guesser with many clients is each
//! client's own limit and the password rules (the commonest passwords are refused). A successful
//! sign-in costs nothing of the address's budget: the attempt is charged first (so parallel
//! guesses cannot overrun it) and given back when the password was right or was never checked.
//!
//! The buckets live in the process: with several origins, a client's budget is per origin,
//! which multiplies it by the number of origins at most.
use crate::budget::Budget;
use crate::config::Rate;
use crate::error::ApiError;
use std::net::IpAddr;

/// Every budget of the accounts' doors.
pub struct AccountLimits {
    sign_in_clients: Budget<IpAddr>,
    sign_in_failures: Budget<(String, IpAddr)>,
    sign_up_clients: Budget<IpAddr>,
    /// Emails about sign-ups to one address (links, "someone tried"): beyond it, none is sent,
    /// so nobody can use sign-up to flood a mailbox.
    sign_up_emails: Budget<String>,
}

/// Sign-up emails to one address: three, then one an hour.
const SIGN_UP_EMAILS: Rate = Rate { burst: 3, per_hour: 1 };

fn too_many(what: &str, rate: Rate) -> ApiError {
    ApiError::TooManyRequests(format!(
        "Too many {what} (the limit is {} at once, then {} an hour). Wait a few minutes and try again.",
        rate.burst, rate.per_hour
    ))
}

impl AccountLimits {
    pub fn new(sign_in_per_client: Rate, sign_in_failures: Rate, sign_up_per_client: Rate) -> AccountLimits {
        AccountLimits {
            sign_in_clients: Budget::new(sign_in_per_client),
            sign_in_failures: Budget::new(sign_in_failures),
            sign_up_clients: Budget::new(sign_up_per_client),
            sign_up_emails: Budget::new(SIGN_UP_EMAILS),
        }
    }

    /// Every sign-in attempt from `client`.
    pub fn sign_in_attempt(&self, client: IpAddr) -> Result<(), ApiError> {
        if self.sign_in_clients.take(&client) {
            Ok(())
        } else {
            Err(too_many("sign-in attempts from your network", self.sign_in_clients.rate()))
        }
    }

    /// Charges a failure of `email` from `client` before the password is checked; the charge
    /// is given back when dropped, unless [`FailureCharge::keep`] says the password was wrong.
    pub fn sign_in_failure(&self, email: &str, client: IpAddr) -> Result<FailureCharge<'_>, ApiError> {
        let key = (email.to_string(), client);
        if self.sign_in_failures.take(&key) {
            Ok(FailureCharge { budget: &self.sign_in_failures, key: Some(key) })
        } else {
            Err(too_many("failed sign-ins for this address from your network", self.sign_in_failures.rate()))
        }
    }

    /// Every sign-up attempt from `client` that gets as far as hashing a password.
    pub fn sign_up_attempt(&self, client: IpAddr) -> Result<(), ApiError> {
        if self.sign_up_clients.take(&client) {
            Ok(())
        } else {
            Err(too_many("sign-ups from your network", self.sign_up_clients.rate()))
        }
    }

    /// Whether another sign-up email may go to `email` now.
    pub fn sign_up_email(&self, email: &str) -> bool {
        self.sign_up_emails.take(&email.to_string())
    }
}

/// A failed sign-in charged in advance: given back on drop unless kept.
pub struct FailureCharge<'a> {
    budget: &'a Budget<(String, IpAddr)>,
    key: Option<(String, IpAddr)>,
}

impl FailureCharge<'_> {
    /// The password was wrong: the failure counts.
    pub fn keep(mut self) {
        self.key = None;
    }
}

impl Drop for FailureCharge<'_> {
    fn drop(&mut self) {
        if let Some(key) = self.key.take() {
            self.budget.give_back(&key);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const CLIENT: IpAddr = IpAddr::V4(std::net::Ipv4Addr::new(192, 0, 2, 1));
    const OTHER: IpAddr = IpAddr::V4(std::net::Ipv4Addr::new(192, 0, 2, 2));

    #[test]
    fn failures_count_per_address_and_client_and_only_when_kept() {
        let limits = AccountLimits::new(Rate { burst: 100, per_hour: 1 }, Rate { burst: 2, per_hour: 1 }, Rate { burst: 1, per_hour: 1 });
        for _ in 0..5 {
            drop(limits.sign_in_failure("ada@example.com", CLIENT).unwrap());
        }
        limits.sign_in_failure("ada@example.com", CLIENT).unwrap().keep();
        limits.sign_in_failure("ada@example.com", CLIENT).unwrap().keep();
        assert!(limits.sign_in_failure("ada@example.com", CLIENT).is_err(), "the guesser's client is out of tries");
        assert!(limits.sign_in_failure("ada@example.com", OTHER).is_ok(), "the owner elsewhere is not");
    }
}
