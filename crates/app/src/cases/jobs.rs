//! Bulk operations (`create_many`, `update_many`, `destroy_many`) reported as Zendesk job
//! statuses. Each item is its own transaction so one bad item does not sink the others; the
//! job is recorded completed with per-item results. A storage failure (overload, outage)
//! before the first item fails the request, which can then be retried whole; after it, the
//! item fails in the results, so a retry never repeats what was committed.

use crate::cases::{CaseChanges, NewCase};
use crate::model;
use crate::{Actor, App, AppError, Result};
use serde_json::{Value, json};
use store::JobRow;

pub const MAX_BATCH: usize = 100;

fn job_id() -> String {
    use rand::Rng;
    let n: u128 = rand::rngs::OsRng.r#gen();
    format!("V3-{n:032x}")
}

fn item_error(e: &AppError) -> Value {
    match e {
        AppError::Invalid(f) => {
            json!({"error": "RecordInvalid", "details": f.iter().map(|x| json!({"field": x.field, "code": x.code, "description": x.detail})).collect::<Vec<_>>()})
        }
        AppError::NotFound(_) => json!({"error": "RecordNotFound"}),
        AppError::Forbidden(m) => json!({"error": "Forbidden", "description": m}),
        AppError::Conflict(f) => {
            json!({"error": "DuplicateValue", "details": [{"field": f.field, "description": f.detail}]})
        }
        // Internal details stay in the log.
        AppError::Store(e) => {
            tracing::warn!(error = %e, "bulk item failed on storage");
            json!({"error": "DatabaseUnavailable"})
        }
        other => json!({"error": "Failed", "description": other.to_string()}),
    }
}

impl App {
    async fn finish_job(
        &self,
        actor: &Actor,
        job_type: &str,
        results: Vec<Value>,
    ) -> Result<JobRow> {
        let now = self.now_ms();
        let j = JobRow {
            id: job_id(),
            user_id: actor.user_id,
            job_type: job_type.into(),
            total: results.len() as i64,
            status: "completed".into(),
            results: Value::Array(results).to_string(),
            created_at: now,
            updated_at: now,
        };
        let mut tx = self.store.begin().await?;
        tx.save_job(&j).await?;
        tx.commit().await?;
        Ok(j)
    }

    /// Create each case in turn; an item's failure is recorded in the job's results with
    /// its field names translated by `wire` (the transport's names, as its answers use).
    pub async fn create_cases_many(
        &self,
        actor: &Actor,
        items: Vec<NewCase>,
        wire: fn(&str) -> Option<String>,
    ) -> Result<model::Job> {
        actor.require_case_writer()?;
        let mut results = Vec::new();
        for (i, item) in items.into_iter().enumerate() {
            match self.create_case(actor, item, None).await {
                Ok(o) => results.push(json!({"index": i, "id": o.case.id, "status": "Created", "success": true})),
                // Nothing done yet: the whole request can be retried as it is.
                Err(AppError::Store(e)) if results.is_empty() => return Err(AppError::Store(e)),
                // Some items are committed: a retry of the whole request would repeat them,
                // so the failure is this item's, in the job's results.
                Err(e) => results.push(json!({"index": i, "success": false, "status": "Failed", "errors": item_error(&e.rename_fields(wire))})),
            }
        }
        self.finish_job(actor, "bulk_create_tickets", results)
            .await
            .map(Into::into)
    }

    /// Change each case in turn; failures as in [`App::create_cases_many`].
    pub async fn update_cases_many(
        &self,
        actor: &Actor,
        items: Vec<(i64, CaseChanges)>,
        wire: fn(&str) -> Option<String>,
    ) -> Result<model::Job> {
        actor.require_case_writer()?;
        let mut results = Vec::new();
        for (id, ch) in items {
            match self.update_case(actor, id, ch).await {
                Ok(_) => results.push(json!({"id": id, "action": "update", "status": "Updated", "success": true})),
                // Nothing done yet: the whole request can be retried as it is.
                Err(AppError::Store(e)) if results.is_empty() => return Err(AppError::Store(e)),
                // Some items are committed: a retry of the whole request would repeat them,
                // so the failure is this item's, in the job's results.
                Err(e) => results.push(json!({"id": id, "action": "update", "status": "Failed", "success": false, "errors": item_error(&e.rename_fields(wire))})),
            }
        }
        self.finish_job(actor, "bulk_update_tickets", results)
            .await
            .map(Into::into)
    }

    pub async fn delete_cases_many(&self, actor: &Actor, ids: &[i64]) -> Result<model::Job> {
        actor.require_case_writer()?;
        let mut results = Vec::new();
        for &id in ids {
            match self.delete_case(actor, id).await {
                Ok(()) => results.push(json!({"id": id, "action": "delete", "status": "Deleted", "success": true})),
                // Nothing done yet: the whole request can be retried as it is.
                Err(AppError::Store(e)) if results.is_empty() => return Err(AppError::Store(e)),
                // Some items are committed: a retry of the whole request would repeat them,
                // so the failure is this item's, in the job's results.
                Err(e) => results.push(json!({"id": id, "action": "delete", "status": "Failed", "success": false, "errors": item_error(&e)})),
            }
        }
        self.finish_job(actor, "bulk_delete_tickets", results)
            .await
            .map(Into::into)
    }

    pub async fn job(&self, actor: &Actor, id: &str) -> Result<model::Job> {
        let j = self
            .store
            .job(id)
            .await?
            .ok_or(AppError::NotFound("job_status"))?;
        if j.user_id != actor.user_id && actor.require_admin().is_err() {
            return Err(AppError::NotFound("job_status"));
        }
        Ok(j.into())
    }

    pub async fn jobs(&self, actor: &Actor) -> Result<Vec<model::Job>> {
        Ok(crate::model::all(
            self.store.jobs_of(actor.user_id, 100).await?,
        ))
    }
}
