//! Organizations: read, create, change, delete.

use super::*;

impl App {
    pub async fn get_org(&self, actor: &Actor, id: i64) -> Result<model::Org> {
        if !actor.role.is_staff() {
            let me = self.store.user(actor.user_id).await?;
            if me.and_then(|u| u.organization_id) != Some(id) {
                return Err(AppError::NotFound("organization"));
            }
        }
        (self
            .store
            .org(id)
            .await?
            .ok_or(AppError::NotFound("organization")))
        .map(Into::into)
    }

    pub async fn list_orgs(
        &self,
        actor: &Actor,
        after_id: i64,
        limit: i64,
    ) -> Result<Vec<model::Org>> {
        actor.require_staff()?;
        Ok(crate::model::all(self.store.orgs(after_id, limit).await?))
    }

    pub async fn org_by_external_id(&self, actor: &Actor, ext: &str) -> Result<Vec<model::Org>> {
        actor.require_staff()?;
        Ok(self
            .store
            .org_by_external_id(ext)
            .await?
            .into_iter()
            .map(Into::into)
            .collect())
    }

    /// Zendesk's `organizations/search?name=`: exact name, ignoring case and accents.
    pub async fn org_by_name(&self, actor: &Actor, name: &str) -> Result<Vec<model::Org>> {
        actor.require_staff()?;
        Ok(self
            .store
            .org_by_name_key(&fold(name.trim()))
            .await?
            .into_iter()
            .map(Into::into)
            .collect())
    }

    pub async fn create_org(&self, actor: &Actor, o: model::OrgFields) -> Result<model::Org> {
        actor.require_case_writer()?;
        let o: OrgData = model::OrgFields {
            name: crate::text_field("name", &o.name, 255)?,
            ..o
        }
        .into();
        let mut tx = self.store.begin().await?;
        let id = tx.insert_org(&o, &org_key(&o.name), self.now_ms()).await?;
        tx.commit().await?;
        (self
            .store
            .org(id)
            .await?
            .ok_or(AppError::NotFound("organization")))
        .map(Into::into)
    }

    pub async fn update_org(
        &self,
        actor: &Actor,
        id: i64,
        f: impl FnOnce(&mut model::OrgFields),
    ) -> Result<model::Org> {
        actor.require_case_writer()?;
        let o = self
            .store
            .org(id)
            .await?
            .ok_or(AppError::NotFound("organization"))?;
        let mut d = model::OrgFields {
            name: o.name,
            external_id: o.external_id,
            domain_names: o.domain_names,
            details: o.details,
            notes: o.notes,
            tags: o.tags,
            shared_tickets: o.shared_tickets,
        };
        f(&mut d);
        d.name = crate::text_field("name", &d.name, 255)?;
        let d: OrgData = d.into();
        let mut tx = self.store.begin().await?;
        tx.update_org(id, &d, &org_key(&d.name), self.now_ms())
            .await?;
        tx.commit().await?;
        (self
            .store
            .org(id)
            .await?
            .ok_or(AppError::NotFound("organization")))
        .map(Into::into)
    }

    pub async fn delete_org(&self, actor: &Actor, id: i64) -> Result<()> {
        actor.require_admin()?;
        let mut tx = self.store.begin().await?;
        tx.delete_org(id).await.map_err(|e| match e {
            store::StoreError::NotFound => AppError::NotFound("organization"),
            e => e.into(),
        })?;
        tx.commit().await?;
        Ok(())
    }
}
