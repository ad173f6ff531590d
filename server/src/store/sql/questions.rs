//! `questions` and `order_answers`.
use super::events::bump_version;
use super::{Backend, Db};
use crate::store::columns::Options;
use crate::store::{AnswerRecord, QuestionChange, QuestionRecord, Questions, Removed, StoreResult};
use async_trait::async_trait;
use contract::model::Question;

const QUESTION_COLUMNS: &str = "id, event_id, label, kind, options, required, position";

type QuestionQuery<'q> = sqlx::query::QueryAs<'q, Db, QuestionRecord, <Db as sqlx::Database>::Arguments<'q>>;

/// Binds a question form's fields as the next four parameters.
fn bind_question<'q>(query: QuestionQuery<'q>, change: &'q QuestionChange) -> QuestionQuery<'q> {
    query.bind(&change.label).bind(change.kind.as_str()).bind(Options::new(&change.options)).bind(change.required)
}

#[async_trait]
impl Questions for Backend {
    #[tracing::instrument(skip(self))]
    async fn event_questions(&self, event_id: i64) -> StoreResult<Vec<Question>> {
        Ok(self.questions(event_id).await?.into_iter().map(Question::from).collect())
    }

    #[tracing::instrument(skip(self))]
    async fn questions(&self, event_id: i64) -> StoreResult<Vec<QuestionRecord>> {
        let sql = format!("SELECT {QUESTION_COLUMNS} FROM questions WHERE event_id = $1 ORDER BY position, id");
        Ok(sqlx::query_as(&sql).bind(event_id).fetch_all(&self.pool).await?)
    }

    #[tracing::instrument(skip(self, change))]
    async fn insert_question(&self, event_id: i64, change: &QuestionChange) -> StoreResult<QuestionRecord> {
        let mut tx = self.begin_write().await?;
        let sql = format!(
            "INSERT INTO questions (event_id, label, kind, options, required, position) VALUES ($1, $2, $3, $4, $5, \
             (SELECT COALESCE(MAX(position), 0) + 1 FROM questions WHERE event_id = $1)) RETURNING {QUESTION_COLUMNS}"
        );
        let record = bind_question(sqlx::query_as(&sql).bind(event_id), change).fetch_one(&mut *tx).await?;
        bump_version(&mut tx, event_id).await?;
        tx.commit().await?;
        Ok(record)
    }

    #[tracing::instrument(skip(self, change))]
    async fn update_question(&self, id: i64, change: &QuestionChange) -> StoreResult<Option<QuestionRecord>> {
        let mut tx = self.begin_write().await?;
        let sql =
            format!("UPDATE questions SET label = $2, kind = $3, options = $4, required = $5 WHERE id = $1 RETURNING {QUESTION_COLUMNS}");
        let Some(record) = bind_question(sqlx::query_as(&sql).bind(id), change).fetch_optional(&mut *tx).await? else {
            return Ok(None);
        };
        bump_version(&mut tx, record.event_id).await?;
        tx.commit().await?;
        Ok(Some(record))
    }

    #[tracing::instrument(skip(self))]
    async fn delete_question(&self, id: i64) -> StoreResult<Removed> {
        let mut tx = self.begin_write().await?;
        let event_id: Option<i64> =
            sqlx::query_scalar("DELETE FROM questions WHERE id = $1 RETURNING event_id").bind(id).fetch_optional(&mut *tx).await?;
        let Some(event_id) = event_id else {
            return Ok(Removed::NotFound);
        };
        bump_version(&mut tx, event_id).await?;
        tx.commit().await?;
        Ok(Removed::Removed)
    }

    #[tracing::instrument(skip(self, order_ids), fields(orders = order_ids.len()))]
    async fn answers_of(&self, order_ids: &[i64]) -> StoreResult<Vec<AnswerRecord>> {
        if order_ids.is_empty() {
            return Ok(Vec::new());
        }
        let mut query = sqlx::QueryBuilder::<Db>::new("SELECT order_id, question_id, label, answer FROM order_answers WHERE order_id IN (");
        let mut ids = query.separated(", ");
        for id in order_ids {
            ids.push_bind(*id);
        }
        query.push(") ORDER BY order_id, question_id");
        Ok(query.build_query_as().fetch_all(&self.pool).await?)
    }
}
