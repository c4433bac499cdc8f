//! Teams (Zendesk's groups) and their members.

use super::*;

impl App {
    pub async fn get_team(&self, actor: &Actor, id: i64) -> Result<model::Team> {
        actor.require_staff()?;
        (self
            .store
            .team(id)
            .await?
            .ok_or(AppError::NotFound("group")))
        .map(Into::into)
    }

    pub async fn list_teams(
        &self,
        actor: &Actor,
        after_id: i64,
        limit: i64,
    ) -> Result<Vec<model::Team>> {
        actor.require_staff()?;
        Ok(crate::model::all(self.store.teams(after_id, limit).await?))
    }

    pub async fn create_team(
        &self,
        actor: &Actor,
        name: &str,
        description: &str,
        public: bool,
    ) -> Result<model::Team> {
        actor.require_admin()?;
        let name = crate::text_field("name", name, 255)?;
        let mut tx = self.store.begin().await?;
        let id = tx
            .insert_team(&name, &fold(&name), description, public, self.now_ms())
            .await
            .map_err(|e| name_taken(e, &name))?;
        tx.commit().await?;
        (self
            .store
            .team(id)
            .await?
            .ok_or(AppError::NotFound("group")))
        .map(Into::into)
    }

    pub async fn update_team(
        &self,
        actor: &Actor,
        id: i64,
        name: Option<String>,
        description: Option<String>,
        public: Option<bool>,
    ) -> Result<model::Team> {
        actor.require_admin()?;
        let mut t = self
            .store
            .team(id)
            .await?
            .ok_or(AppError::NotFound("group"))?;
        if let Some(n) = name {
            t.name = crate::text_field("name", &n, 255)?;
        }
        if let Some(d) = description {
            t.description = d;
        }
        if let Some(p) = public {
            t.is_public = p;
        }
        t.updated_at = self.now_ms();
        let mut tx = self.store.begin().await?;
        tx.update_team(&t, &fold(&t.name))
            .await
            .map_err(|e| name_taken(e, &t.name))?;
        tx.commit().await?;
        Ok(t.into())
    }

    pub async fn delete_team(&self, actor: &Actor, id: i64) -> Result<()> {
        actor.require_admin()?;
        let mut t = self
            .store
            .team(id)
            .await?
            .ok_or(AppError::NotFound("group"))?;
        t.deleted = true;
        t.updated_at = self.now_ms();
        let mut tx = self.store.begin().await?;
        // The name is freed for a new team.
        tx.update_team(&t, &format!("{}#deleted-{}", fold(&t.name), t.id))
            .await?;
        tx.commit().await?;
        Ok(())
    }

    pub async fn add_team_member(&self, actor: &Actor, team_id: i64, user_id: i64) -> Result<()> {
        actor.require_supervisor()?;
        self.store.team(team_id).await?.ok_or_else(|| {
            AppError::invalid("group_id", "unknown-reference", team_id.to_string())
        })?;
        let u = self.store.user(user_id).await?.ok_or_else(|| {
            AppError::invalid("user_id", "unknown-reference", user_id.to_string())
        })?;
        if u.role == Role::EndUser.as_str() {
            return Err(AppError::invalid(
                "user_id",
                "not-staff",
                user_id.to_string(),
            ));
        }
        let mut tx = self.store.begin().await?;
        tx.add_team_member(team_id, user_id, self.now_ms()).await?;
        tx.commit().await?;
        Ok(())
    }

    pub async fn team_members(&self, actor: &Actor, team_id: i64) -> Result<Vec<UserView>> {
        actor.require_staff()?;
        self.store
            .team(team_id)
            .await?
            .ok_or(AppError::NotFound("group"))?;
        let mut out = Vec::new();
        for u in self
            .store
            .users_by_ids(&self.store.team_member_ids(team_id).await?)
            .await?
        {
            out.push(self.user_view(u).await?);
        }
        Ok(out)
    }
}

/// Two teams cannot share a name (compared without case or accents): said in words.
fn name_taken(e: store::StoreError, name: &str) -> AppError {
    match e {
        store::StoreError::Conflict(_) => {
            AppError::Conflict(crate::FieldError::new("name", "team-name-taken", name))
        }
        e => e.into(),
    }
}
