//! Checkout questions per event, and the answers stored with orders.
//!
//! Policy: an answer keeps a copy of its question's label, so an order reads the same after the
//! question is edited or deleted; questions change the event's page, so each change bumps the
//! event's version.
use super::columns::Options;
use super::{Removed, StoreResult};
use async_trait::async_trait;
use contract::admin::QuestionKind;
use contract::model::{Answer, Question};

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct QuestionRecord {
    pub id: i64,
    pub event_id: i64,
    pub label: String,
    pub kind: QuestionKind,
    #[sqlx(try_from = "Options")]
    pub options: Vec<String>,
    pub required: bool,
    pub position: i64,
}

impl From<QuestionRecord> for Question {
    fn from(q: QuestionRecord) -> Question {
        Question { id: q.id, label: q.label, kind: q.kind, options: q.options, required: q.required, position: q.position }
    }
}

#[derive(Clone, Debug)]
pub struct QuestionChange {
    pub label: String,
    pub kind: QuestionKind,
    pub options: Vec<String>,
    pub required: bool,
}

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct AnswerRecord {
    pub order_id: i64,
    #[sqlx(flatten)]
    pub answer: Answer,
}

#[async_trait]
pub trait Questions: Send + Sync {
    /// The questions checkout asks for this event, by position.
    async fn event_questions(&self, event_id: i64) -> StoreResult<Vec<Question>>;
    async fn questions(&self, event_id: i64) -> StoreResult<Vec<QuestionRecord>>;
    async fn insert_question(&self, event_id: i64, change: &QuestionChange) -> StoreResult<QuestionRecord>;
    async fn update_question(&self, id: i64, change: &QuestionChange) -> StoreResult<Option<QuestionRecord>>;
    async fn delete_question(&self, id: i64) -> StoreResult<Removed>;
    /// The answers of these orders, by order and question.
    async fn answers_of(&self, order_ids: &[i64]) -> StoreResult<Vec<AnswerRecord>>;
}
