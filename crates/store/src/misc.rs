//! API tokens, idempotency keys, job statuses and attachment blobs.

use crate::rows::*;
use crate::{Result, Store, Tx, on_read, on_tx};

impl Tx {
    pub async fn insert_token(
        &mut self,
        user_id: i64,
        hash: &str,
        name: &str,
        at: i64,
    ) -> Result<i64> {
        let id: i64 = on_tx!(self, t => sqlx::query_scalar(
            "INSERT INTO api_tokens (user_id, token_hash, name, created_at) VALUES ($1,$2,$3,$4) RETURNING id")
            .bind(user_id).bind(hash).bind(name).bind(at).fetch_one(&mut **t).await?);
        Ok(id)
    }

    /// Claim an idempotency key; returns the resource id of an earlier request with the same
    /// key, with its fingerprint.
    pub async fn idempotency_lookup(
        &mut self,
        user_id: i64,
        key: &str,
    ) -> Result<Option<(String, i64)>> {
        let r = on_tx!(self, t => sqlx::query_as::<_, (String, i64)>(
            "SELECT fingerprint, resource_id FROM idempotency_keys WHERE user_id = $1 AND key = $2")
            .bind(user_id).bind(key).fetch_optional(&mut **t).await?);
        Ok(r)
    }

    pub async fn idempotency_save(
        &mut self,
        user_id: i64,
        key: &str,
        fingerprint: &str,
        resource_id: i64,
        at: i64,
    ) -> Result<()> {
        on_tx!(self, t => sqlx::query(
            "INSERT INTO idempotency_keys (user_id, key, fingerprint, resource_id, created_at) VALUES ($1,$2,$3,$4,$5)")
            .bind(user_id).bind(key).bind(fingerprint).bind(resource_id).bind(at).execute(&mut **t).await?.rows_affected());
        Ok(())
    }

    pub async fn save_job(&mut self, j: &JobRow) -> Result<()> {
        on_tx!(self, t => sqlx::query(
            "INSERT INTO job_statuses (id, user_id, job_type, total, status, results, created_at, updated_at) \
             VALUES ($1,$2,$3,$4,$5,$6,$7,$8)")
            .bind(&j.id).bind(j.user_id).bind(&j.job_type).bind(j.total).bind(&j.status).bind(&j.results)
            .bind(j.created_at).bind(j.updated_at).execute(&mut **t).await?.rows_affected());
        Ok(())
    }
}

impl Store {
    pub async fn token_owner(&self, hash: &str) -> Result<Option<TokenOwner>> {
        let r = on_read!(self, p => sqlx::query_as::<_, TokenOwner>(
            "SELECT id AS token_id, user_id FROM api_tokens WHERE token_hash = $1").bind(hash).fetch_optional(p).await?);
        Ok(r)
    }

    pub async fn job(&self, id: &str) -> Result<Option<JobRow>> {
        let r = on_read!(self, p => sqlx::query_as::<_, JobRow>(
            "SELECT id, user_id, job_type, total, status, results, created_at, updated_at FROM job_statuses WHERE id = $1")
            .bind(id).fetch_optional(p).await?);
        Ok(r)
    }

    pub async fn jobs_of(&self, user_id: i64, limit: i64) -> Result<Vec<JobRow>> {
        let r = on_read!(self, p => sqlx::query_as::<_, JobRow>(
            "SELECT id, user_id, job_type, total, status, results, created_at, updated_at FROM job_statuses \
             WHERE user_id = $1 ORDER BY created_at DESC LIMIT $2").bind(user_id).bind(limit).fetch_all(p).await?);
        Ok(r)
    }
}
