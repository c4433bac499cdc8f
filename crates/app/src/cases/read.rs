//! Reading cases: lists with their visibility rule, one case, its thread, events, links.

use super::*;

/// How many staff the assignee list of a case offers at most.
pub const MAX_ASSIGNABLE: i64 = 2000;

impl App {
    /// Cases as the actor may list them: staff every case, a customer only the cases they
    /// requested. `order` and `dir` sort; `page` is an offset or an id cursor.
    pub async fn list_cases(
        &self,
        actor: &Actor,
        order: model::CaseOrder,
        dir: model::Direction,
        page: model::Page,
    ) -> Result<Vec<model::Case>> {
        let mut f = visible_cases(actor);
        f.sort = order.into();
        f.dir = dir.into();
        Ok(model::all(self.store.cases(&f, page.into()).await?))
    }

    /// How many cases [`App::list_cases`] would list in all.
    pub async fn count_cases(&self, actor: &Actor) -> Result<i64> {
        Ok(self.store.count_cases(&visible_cases(actor)).await?)
    }

    /// These cases, those the actor may see (others are left out, as if absent).
    pub async fn cases_by_ids(&self, actor: &Actor, ids: &[i64]) -> Result<Vec<model::Case>> {
        Ok(self
            .store
            .cases_by_ids(ids)
            .await?
            .into_iter()
            .filter(|c| actor.role.is_staff() || c.requester_id == actor.user_id)
            .map(Into::into)
            .collect())
    }

    /// A customer's latest cases, newest first (the case page's history). Staff only.
    pub async fn requester_cases(
        &self,
        actor: &Actor,
        requester_id: i64,
        limit: i64,
    ) -> Result<Vec<model::Case>> {
        actor.require_staff()?;
        let mut f = store::CaseFilter {
            sort: store::CaseSort::CreatedAt,
            dir: store::SortDir::Desc,
            ..Default::default()
        };
        f.push(store::Cond::Col {
            col: store::CaseCol::RequesterId,
            cmp: store::Cmp::Eq,
            val: store::Val::Int(requester_id),
        });
        let page = store::Page {
            limit,
            ..store::Page::default()
        };
        Ok(model::all(self.store.cases(&f, page).await?))
    }

    /// What a customer was granted in all, per currency (cents). Staff only.
    pub async fn requester_compensation_totals(
        &self,
        actor: &Actor,
        requester_id: i64,
    ) -> Result<Vec<(String, i64)>> {
        actor.require_staff()?;
        Ok(self.store.compensations_of_requester(requester_id).await?)
    }

    /// A case as the actor may see it: customers only their own (others look absent).
    pub async fn get_case(&self, actor: &Actor, id: i64) -> Result<model::Case> {
        let c = self
            .store
            .case(id)
            .await?
            .ok_or(AppError::NotFound("ticket"))?;
        if !actor.role.is_staff() && c.requester_id != actor.user_id {
            return Err(AppError::NotFound("ticket"));
        }
        Ok(c.into())
    }

    pub async fn case_messages(
        &self,
        actor: &Actor,
        id: i64,
        page: model::Page,
    ) -> Result<(Vec<model::Message>, i64)> {
        self.get_case(actor, id).await?;
        let public_only = !actor.role.is_staff();
        let rows = self.store.messages(id, public_only, page.into()).await?;
        let n = self.store.count_messages(id, public_only).await?;
        Ok((crate::model::all(rows), n))
    }

    /// These cases as their customer sees them (the end-user view of every transport):
    /// the actor's own cases only, others left out; each description is the first public
    /// message (never an internal note, even when the case began with one), read in one
    /// query for the page.
    pub async fn customer_cases(
        &self,
        actor: &Actor,
        cases: &[model::Case],
    ) -> Result<Vec<model::CustomerCase>> {
        let own: Vec<&model::Case> = cases
            .iter()
            .filter(|c| c.requester_id == actor.user_id)
            .collect();
        let ids: Vec<i64> = own.iter().map(|c| c.id).collect();
        let mut desc: std::collections::HashMap<i64, String> = self
            .store
            .first_public_bodies(&ids)
            .await?
            .into_iter()
            .collect();
        Ok(own
            .into_iter()
            .map(|c| model::CustomerCase::of(c, desc.remove(&c.id).unwrap_or_default()))
            .collect())
    }

    pub async fn case_events(&self, actor: &Actor, id: i64) -> Result<Vec<model::Event>> {
        actor.require_staff()?;
        self.get_case(actor, id).await?;
        Ok(crate::model::all(self.store.events(id).await?))
    }

    pub async fn case_links(&self, actor: &Actor, id: i64) -> Result<Vec<model::Link>> {
        actor.require_staff()?;
        self.get_case(actor, id).await?;
        Ok(crate::model::all(self.store.links(id).await?))
    }

    pub async fn case_compensations(
        &self,
        actor: &Actor,
        id: i64,
    ) -> Result<Vec<model::Compensation>> {
        actor.require_staff()?;
        self.get_case(actor, id).await?;
        Ok(crate::model::all(self.store.compensations(id).await?))
    }
}
