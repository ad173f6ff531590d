//! Contract 3 under load, whatever the gate: many buyers at once never get more than the stock.
//! The inventory gate answers "sold out" without the database, and when it is wrong, the
//! database wins and the gate is corrected.
use crate::helpers::*;
use futures::future::join_all;

on_both_backends!(
    every_gate_sells_exactly_the_stock,
    the_database_wins_when_the_gate_is_wrong,
    expired_holds_return_their_stock_to_the_gate,
);

#[derive(Clone, Copy, Debug)]
enum Gate {
    Local,
    Redis,
    Off,
}

async fn app_with_gate(backend: Backend, gate: Gate, options: AppOptions) -> TestApp {
    let options = match gate {
        Gate::Local => options.with_env("INVENTORY_GATE", "local"),
        Gate::Redis => shared_redis_gate(options).await.with_env("INVENTORY_GATE", "redis"),
        // Generous, so that this test sees exactness, not the limit (tested in chaos.rs).
        Gate::Off => options.with_env("INVENTORY_GATE", "off").with_env("DATABASE_PATH_WAIT_MS", "10000"),
    };
    spawn_app_with(backend, options).await
}

async fn every_gate_sells_exactly_the_stock(backend: Backend) {
    for gate in [Gate::Local, Gate::Redis, Gate::Off] {
        let app = app_with_gate(backend, gate, AppOptions::default()).await;
        let event = app.seed_event(&[TypeSpec::on_sale("Last fifty", 3_000, 50)]).await;
        let id = event.type_ids[0];

        let items = [(id, 1)];
        let responses = join_all((0..300).map(|_| app.hold(&event.slug, &items))).await;
        let mut by_status = std::collections::BTreeMap::new();
        for response in responses {
            *by_status.entry(response.status().as_u16()).or_insert(0) += 1;
        }
        assert_eq!(by_status.get(&201), Some(&50), "{gate:?}: exactly the stock is held: {by_status:?}");
        assert_eq!(by_status.get(&409), Some(&250), "{gate:?}: everyone else hears sold out: {by_status:?}");
        assert_eq!(by_status.len(), 2, "{gate:?}: no other status: {by_status:?}");
        let stock = app.stock(id).await;
        assert_eq!((stock.held, stock.sold), (50, 0), "{gate:?}: the database agrees");
        app.assert_books_balance(&event.slug).await;

        let text = app.metrics().await;
        let refused = metric_in(&text, r#"stampede_gate_decisions_total{outcome="refused"}"#);
        let admitted = metric_in(&text, r#"stampede_gate_decisions_total{outcome="admitted"}"#);
        let database_path = metric_in(&text, r#"stampede_database_path_total{outcome="admitted"}"#);
        match gate {
            Gate::Off => assert_eq!(database_path, 300.0, "without a gate every hold asks the database"),
            Gate::Local | Gate::Redis => {
                assert_eq!(refused, 250.0, "{gate:?}: refusals never reach the database");
                assert_eq!(admitted, 50.0, "{gate:?}: only the stock reaches the database");
                assert_eq!(database_path, 0.0, "{gate:?}: the gate answered every time");
            }
        }
    }
}

async fn the_database_wins_when_the_gate_is_wrong(backend: Backend) {
    for gate in [Gate::Local, Gate::Redis] {
        let app = app_with_gate(backend, gate, AppOptions::default()).await;
        let event = app.seed_event(&[TypeSpec::on_sale("Standing", 2_000, 10)]).await;
        let id = event.type_ids[0];
        app.hold_ok(&event.slug, &[(id, 1)]).await; // the gate is loaded: 9 left

        // Stock taken behind the gate's back (another writer, a lost update): the gate says 9,
        // the database 4.
        let event_id = app.event_id(&event.slug).await;
        let now = stampede::store::now();
        let behind_the_back = stampede::store::NewHold {
            id: uuid::Uuid::new_v4(),
            event_id,
            items: vec![(id, 5)],
            created_at: now,
            expires_at: now + chrono::Duration::minutes(15),
            admission_id: None,
        };
        app.store().create_hold(&behind_the_back).await.unwrap();

        let items = [(id, 1)];
        let responses = join_all((0..9).map(|_| app.hold(&event.slug, &items))).await;
        let created = responses.iter().filter(|r| r.status() == 201).count();
        assert_eq!(created, 4, "{gate:?}: the database's stock, not the gate's");
        assert!(responses.iter().all(|r| r.status() == 201 || r.status() == 409), "{gate:?}: only 201 and 409");
        assert!(app.metric(r#"stampede_gate_decisions_total{outcome="drift"}"#).await >= 1.0, "{gate:?}: the drift was seen");

        // Corrected: the next buyer is refused by the gate itself, which now agrees.
        let refused_before = app.metric(r#"stampede_gate_decisions_total{outcome="refused"}"#).await;
        let body = assert_api_error(app.hold(&event.slug, &[(id, 1)]).await, 409, "sold_out").await;
        assert_eq!(body["available"][0]["available"], 0, "{gate:?}: {body}");
        let refused_after = app.metric(r#"stampede_gate_decisions_total{outcome="refused"}"#).await;
        assert_eq!(refused_after, refused_before + 1.0, "{gate:?}: refused by the reloaded gate");
        app.assert_books_balance(&event.slug).await;
    }
}

async fn expired_holds_return_their_stock_to_the_gate(backend: Backend) {
    for gate in [Gate::Local, Gate::Redis] {
        // Three seconds: the second hold must still meet the first one live on a machine busy with builds.
        let options = AppOptions { hold_ttl_seconds: 3, reaper_interval_ms: 100, ..AppOptions::default() };
        let app = app_with_gate(backend, gate, options).await;
        let event = app.seed_event(&[TypeSpec::on_sale("Standing", 2_000, 3)]).await;
        let id = event.type_ids[0];
        app.hold_ok(&event.slug, &[(id, 3)]).await;
        assert_api_error(app.hold(&event.slug, &[(id, 1)]).await, 409, "sold_out").await;

        // The abandoned checkout costs nothing after its TTL: the reaper gives the stock back to
        // the database, then to the gate, and the next buyer is admitted by the gate. (Not a
        // wait on the gate's level: a give-back the gate could not take, on a machine too busy to
        // answer Redis in time, is made good by the reload before the next hold, by design.)
        wait_until("the reaper gave the stock back to the database", std::time::Duration::from_secs(30), || async {
            app.stock(id).await.held == 0
        })
        .await;
        // The gate hears of it just after the database: give it the moment.
        let the_gate = app.parts.inventory.gate().expect("a gate").clone();
        for _ in 0..100 {
            if the_gate.level(id).await.ok().flatten() == Some(3) {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        app.hold_ok(&event.slug, &[(id, 3)]).await;
        let text = app.metrics().await;
        assert_eq!(metric_in(&text, r#"stampede_gate_decisions_total{outcome="admitted"}"#), 2.0, "{gate:?}: {text}");
        assert_eq!(metric_in(&text, r#"stampede_database_path_total{outcome="admitted"}"#), 0.0, "{gate:?}: {text}");
        app.assert_books_balance(&event.slug).await;
    }
}
