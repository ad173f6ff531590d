//! What is available to buy.
//!
//! Policy: available = capacity − sold − held, where stock in holds that have expired but that the
//! reaper has not closed yet (`held_by_expired`, a part of `held`) counts as available: an expired
//! hold keeps nothing (see [`super::hold`]). Never below zero: a capacity lowered under what is
//! sold shows as sold out, not as a negative number. The database's `sold + held <= capacity`
//! check stays the authority; this is the number people are shown and the gate starts from.
//!
//! While anyone is on the type's waiting list, nothing is available to the public: stock that
//! comes back is offered to the list first, in order, and what is left over (too little for the
//! next in line) waits for them too.

/// Tickets of one type that can still be held by the public; `waiting`: entries on its waiting list.
pub fn available(capacity: i64, sold: i64, held: i64, held_by_expired: i64, waiting: i64) -> i64 {
    if waiting > 0 {
        return 0;
    }
    (capacity - sold - held + held_by_expired).max(0)
}

#[cfg(test)]
mod tests {
    use super::available;

    #[test]
    fn expired_holds_count_as_available() {
        assert_eq!(available(100, 60, 30, 0, 0), 10);
        assert_eq!(available(100, 60, 30, 30, 0), 40);
        assert_eq!(available(100, 100, 0, 0, 0), 0);
    }

    #[test]
    fn never_negative() {
        assert_eq!(available(10, 12, 0, 0, 0), 0, "capacity lowered under what is sold");
        assert_eq!(available(0, 0, 0, 0, 0), 0);
    }

    #[test]
    fn nothing_for_the_public_while_anyone_waits() {
        assert_eq!(available(100, 60, 30, 5, 1), 0);
    }
}
