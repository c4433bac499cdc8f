//! The service charter (PRODUCT.md B5): a vision statement plus the standards in force,
//! published as numbered versions; every agent acknowledges each version. Also the in-app
//! notifications agents receive (charter published, clock warnings and breaches).

use crate::model;
use crate::{Actor, App, AppError, Result};
use std::collections::HashMap;
use store::CharterVersionRow;

/// Longest vision statement accepted, in characters.
const MAX_VISION: usize = 20_000;

/// Who has and has not acknowledged a version.
#[derive(Debug, Clone)]
pub struct Acknowledgements {
    pub version: i64,
    /// (user id, name, acknowledged at)
    pub acknowledged: Vec<(i64, String, i64)>,
    /// (user id, name)
    pub pending: Vec<(i64, String)>,
}

impl App {
    /// Publish a new version: the vision and a snapshot of the active standards. Every
    /// agent is asked (by notification) to acknowledge it.
    pub async fn publish_charter(
        &self,
        actor: &Actor,
        vision: &str,
    ) -> Result<model::CharterVersion> {
        actor.require_admin()?;
        let vision = vision.trim();
        if vision.is_empty() {
            return Err(AppError::invalid(
                "charter.vision",
                "required",
                "a vision statement",
            ));
        }
        if vision.chars().count() > MAX_VISION {
            return Err(AppError::invalid(
                "charter.vision",
                "too-long",
                MAX_VISION.to_string(),
            ));
        }
        let standards: Vec<model::Standard> = self
            .store
            .standards()
            .await?
            .into_iter()
            .filter(|s| s.active)
            .map(Into::into)
            .collect();
        // The scope's team and category names are kept with the snapshot: a version reads
        // as published even after a team is renamed or deleted.
        let mut items = Vec::with_capacity(standards.len());
        for s in &standards {
            let scope: domain::standards::Scope =
                serde_json::from_str(&s.scope).unwrap_or_default();
            let (teams, categories) = self.scope_names(&scope).await?;
            let mut j = standard_json(s);
            j["team_names"] = serde_json::json!(teams);
            j["category_names"] = serde_json::json!(categories);
            items.push(j);
        }
        let snapshot = serde_json::Value::Array(items);
        let now = self.now_ms();
        let audience: Vec<i64> = self
            .store
            .charter_audience()
            .await?
            .into_iter()
            .map(|(id, _)| id)
            .collect();
        let mut tx = self.store.begin().await?;
        let version = tx
            .insert_charter_version(vision, &snapshot.to_string(), actor.user_id, now)
            .await?;
        // The publisher has read it.
        tx.ack_charter(version, actor.user_id, now).await?;
        let others: Vec<i64> = audience
            .into_iter()
            .filter(|u| *u != actor.user_id)
            .collect();
        let detail = serde_json::json!({ "version": version }).to_string();
        tx.insert_notifications(&others, "charter_published", None, None, &detail, now)
            .await?;
        tx.commit().await?;
        Ok((CharterVersionRow {
            version,
            vision: vision.to_string(),
            standards: snapshot.to_string(),
            published_by: actor.user_id,
            published_at: now,
        })
        .into())
    }

    /// Every version, newest first. Staff only.
    pub async fn charter_versions(&self, actor: &Actor) -> Result<Vec<model::CharterVersion>> {
        actor.require_staff()?;
        Ok(crate::model::all(self.store.charter_versions().await?))
    }

    pub async fn charter_version(
        &self,
        actor: &Actor,
        version: i64,
    ) -> Result<model::CharterVersion> {
        self.charter_versions(actor)
            .await?
            .into_iter()
            .find(|v| v.version == version)
            .ok_or(AppError::NotFound("charter version"))
    }

    pub async fn acknowledge_charter(&self, actor: &Actor, version: i64) -> Result<i64> {
        self.charter_version(actor, version).await?;
        let now = self.now_ms();
        let mut tx = self.store.begin().await?;
        tx.ack_charter(version, actor.user_id, now).await?;
        tx.commit().await?;
        Ok(now)
    }

    /// The newest version the caller still has to acknowledge, if any (B5).
    pub async fn charter_pending(&self, actor: &Actor) -> Result<Option<i64>> {
        actor.require_staff()?;
        Ok(self.store.charter_unacknowledged(actor.user_id).await?)
    }

    /// When the caller acknowledged each version: version → time.
    pub async fn my_charter_acks(&self, actor: &Actor) -> Result<HashMap<i64, i64>> {
        actor.require_staff()?;
        Ok(self
            .store
            .charter_acks_of_user(actor.user_id)
            .await?
            .into_iter()
            .collect())
    }

    pub async fn charter_acknowledgements(
        &self,
        actor: &Actor,
        version: i64,
    ) -> Result<Acknowledgements> {
        actor.require_supervisor()?;
        self.charter_version(actor, version).await?;
        let acks = self.store.charter_acks(version).await?;
        let mut acknowledged = Vec::new();
        let mut pending = Vec::new();
        for (id, name) in self.store.charter_audience().await? {
            match acks.iter().find(|(u, _)| *u == id) {
                Some((_, at)) => acknowledged.push((id, name, *at)),
                None => pending.push((id, name)),
            }
        }
        Ok(Acknowledgements {
            version,
            acknowledged,
            pending,
        })
    }

    /// The caller's notifications, newest first.
    pub async fn notifications(
        &self,
        actor: &Actor,
        unread_only: bool,
        limit: i64,
    ) -> Result<Vec<model::Notification>> {
        actor.require_staff()?;
        Ok(crate::model::all(
            self.store
                .notifications(actor.user_id, unread_only, limit.clamp(1, 100))
                .await?,
        ))
    }

    pub async fn mark_notification_read(&self, actor: &Actor, id: i64) -> Result<()> {
        actor.require_staff()?;
        let mut tx = self.store.begin().await?;
        let found = tx
            .mark_notification_read(actor.user_id, id, self.now_ms())
            .await?;
        tx.commit().await?;
        if found {
            Ok(())
        } else {
            Err(AppError::NotFound("notification"))
        }
    }
}

/// The fields of a standard that its sentence is made of (kept in charter versions).
pub fn standard_json(s: &model::Standard) -> serde_json::Value {
    serde_json::json!({
        "id": s.id,
        "name": s.name,
        "metric": s.metric,
        "scope": serde_json::from_str::<serde_json::Value>(&s.scope).unwrap_or_default(),
        "threshold_minutes": s.threshold_minutes,
        "target_percent": s.target_percent,
        "unacceptable_minutes": s.unacceptable_minutes,
        "business_hours": s.calendar_id.is_some(),
    })
}
