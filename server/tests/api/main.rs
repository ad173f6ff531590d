//! The origin's integration tests: one binary, the real app on port 0 with its own database.
//! Every test in a module listed with `on_both_backends!` runs against SQLite and PostgreSQL.
//! PostgreSQL is required (TEST_DATABASE_URL, default postgres://postgres@127.0.0.1:5432/test):
//! when it cannot be reached the PostgreSQL tests fail, they never skip.
mod admin_client;
mod helpers;

mod admin_accounts;
mod admin_events;
mod admin_invitations;
mod admin_isolation;
mod admin_limits;
mod admin_orders;
mod admin_payments;
mod bad_input;
mod card_payments;
mod chaos;
mod checkout_extras;
mod email;
mod email_headers;
mod events;
mod fair_use;
mod forms;
mod gate;
mod holds;
mod http_layer;
mod observability;
mod offline_payment;
mod orders;
mod pages;
mod redis_process;
mod smtp_process;
mod stripe_process;
mod waiting_list;
mod waiting_room;
