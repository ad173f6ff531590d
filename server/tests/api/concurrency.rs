//! Contract 3 under load: many buyers at once never get more than the stock.
use crate::helpers::*;
use futures::future::join_all;

on_both_backends!(three_hundred_buyers_for_fifty_tickets);

async fn three_hundred_buyers_for_fifty_tickets(backend: Backend) {
    let app = spawn_app(backend).await;
    let event = app.seed_event(&[TypeSpec::on_sale("Last fifty", 3_000, 50)]).await;
    let id = event.type_ids[0];

    let items = [(id, 1)];
    let responses = join_all((0..300).map(|_| app.hold(&event.slug, &items))).await;

    let mut by_status = std::collections::BTreeMap::new();
    for response in responses {
        *by_status.entry(response.status().as_u16()).or_insert(0) += 1;
    }
    assert_eq!(by_status.get(&201), Some(&50), "exactly the stock is held: {by_status:?}");
    assert_eq!(by_status.get(&409), Some(&250), "everyone else hears sold out: {by_status:?}");
    assert_eq!(by_status.len(), 2, "no other status, no 5xx: {by_status:?}");
    let stock = app.stock(id).await;
    assert_eq!((stock.held, stock.sold, stock.capacity), (50, 0, 50), "the database agrees");
    assert_eq!(app.available(&event.slug, id).await, 0);
}
