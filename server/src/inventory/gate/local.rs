//! The in-process gate: the embedded default, for one origin. Levels live in a map behind a mutex
//! held for a few map operations, never across an await.
use super::{Admission, Gate, GateError, Items};
use async_trait::async_trait;
use contract::model::TicketTypeId;
use std::collections::HashMap;
use std::sync::Mutex;

#[derive(Default)]
pub struct LocalGate {
    levels: Mutex<HashMap<TicketTypeId, i64>>,
}

impl LocalGate {
    fn levels(&self) -> std::sync::MutexGuard<'_, HashMap<TicketTypeId, i64>> {
        // A panic while holding the lock cannot leave the map half-updated (each step is one
        // insert or subtraction), so a poisoned lock is still good to use.
        self.levels.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

#[async_trait]
impl Gate for LocalGate {
    fn kind(&self) -> &'static str {
        "local"
    }

    fn generation(&self) -> u64 {
        0
    }

    fn is_up(&self) -> bool {
        true
    }

    async fn take(&self, items: &Items) -> Result<Admission, GateError> {
        let mut levels = self.levels();
        let mut current = Vec::with_capacity(items.len());
        for (id, _) in items {
            match levels.get(id) {
                Some(level) => current.push((*id, *level)),
                None => return Ok(Admission::NotLoaded),
            }
        }
        if items.iter().zip(&current).any(|((_, quantity), (_, level))| level < quantity) {
            return Ok(Admission::Refused(current));
        }
        for (id, quantity) in items {
            *levels.entry(*id).or_insert(0) -= quantity;
        }
        Ok(Admission::Admitted)
    }

    async fn give_back(&self, items: &Items) -> Result<(), GateError> {
        let mut levels = self.levels();
        for (id, quantity) in items {
            if let Some(level) = levels.get_mut(id) {
                *level += quantity;
            }
        }
        Ok(())
    }

    async fn load(&self, items: &Items) -> Result<(), GateError> {
        let mut levels = self.levels();
        for (id, level) in items {
            levels.insert(*id, *level);
        }
        Ok(())
    }

    async fn level(&self, ticket_type_id: TicketTypeId) -> Result<Option<i64>, GateError> {
        Ok(self.levels().get(&ticket_type_id).copied())
    }

    async fn ping(&self) -> Result<(), GateError> {
        Ok(())
    }

    fn describe(&self) -> String {
        "local (in-process)".to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn takes_all_items_or_none() {
        let gate = LocalGate::default();
        assert_eq!(gate.take(&[(1, 1)]).await.unwrap(), Admission::NotLoaded);
        gate.load(&[(1, 3), (2, 1)]).await.unwrap();
        assert_eq!(gate.take(&[(1, 2), (2, 2)]).await.unwrap(), Admission::Refused(vec![(1, 3), (2, 1)]));
        assert_eq!(gate.take(&[(1, 2), (2, 1)]).await.unwrap(), Admission::Admitted);
        assert_eq!(gate.take(&[(1, 2)]).await.unwrap(), Admission::Refused(vec![(1, 1)]));
        gate.give_back(&[(1, 2), (3, 5)]).await.unwrap();
        assert_eq!(gate.take(&[(1, 3)]).await.unwrap(), Admission::Admitted);
        assert_eq!(gate.take(&[(3, 1)]).await.unwrap(), Admission::NotLoaded, "giving back does not invent a level");
    }
}
