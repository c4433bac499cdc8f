//! The nature of a case (PRODUCT.md A1): a category tree that administrators edit. Reports
//! (G3 top problems, H1 volumes) group by it.

use crate::model;
use crate::{Actor, App, AppError, Result};
use std::collections::HashMap;
use store::CategoryRow;

/// A category with its place in the tree.
#[derive(Debug, Clone)]
pub struct CategoryView {
    pub row: model::Category,
    /// Names from the root down to this category.
    pub path: Vec<String>,
}

/// Paths of every category, sorted by path; a broken parent chain stops at the break.
pub fn with_paths(rows: Vec<model::Category>) -> Vec<CategoryView> {
    let by: HashMap<i64, &model::Category> = rows.iter().map(|r| (r.id, r)).collect();
    let mut out: Vec<CategoryView> = rows
        .iter()
        .map(|r| {
            let mut path = vec![r.name.clone()];
            let mut cur = r.parent_id;
            let mut guard = 0;
            while let Some(p) = cur.and_then(|p| by.get(&p)) {
                path.push(p.name.clone());
                cur = p.parent_id;
                guard += 1;
                if guard > 64 {
                    break;
                }
            }
            path.reverse();
            CategoryView {
                row: r.clone(),
                path,
            }
        })
        .collect();
    out.sort_by(|a, b| {
        let key = |v: &CategoryView| -> Vec<String> {
            v.path.iter().map(|s| domain::text::fold(s)).collect()
        };
        key(a).cmp(&key(b))
    });
    out
}

/// Would putting `id` under `parent` make a loop?
fn creates_cycle(rows: &[CategoryRow], id: i64, parent: i64) -> bool {
    let by: HashMap<i64, Option<i64>> = rows.iter().map(|r| (r.id, r.parent_id)).collect();
    let mut cur = Some(parent);
    let mut steps = 0;
    while let Some(c) = cur {
        if c == id {
            return true;
        }
        cur = by.get(&c).copied().flatten();
        steps += 1;
        if steps > rows.len() {
            return true;
        }
    }
    false
}

fn name_of(raw: &str) -> Result<String> {
    crate::text_field("name", raw, 255)
}

impl App {
    /// Every authenticated user may read the tree (customers pick a category in forms).
    pub async fn categories(&self, _actor: &Actor) -> Result<Vec<CategoryView>> {
        Ok(with_paths(crate::model::all(
            self.store.categories().await?,
        )))
    }

    pub async fn category(&self, _actor: &Actor, id: i64) -> Result<CategoryView> {
        self.categories(_actor)
            .await?
            .into_iter()
            .find(|c| c.row.id == id)
            .ok_or(AppError::NotFound("category"))
    }

    pub async fn create_category(
        &self,
        actor: &Actor,
        name: &str,
        parent_id: Option<i64>,
    ) -> Result<CategoryView> {
        actor.require_admin()?;
        let name = name_of(name)?;
        if let Some(p) = parent_id
            && self.store.category(p).await?.is_none()
        {
            return Err(AppError::invalid(
                "parent_id",
                "unknown-reference",
                p.to_string(),
            ));
        }
        let mut tx = self.store.begin().await?;
        let id = tx.insert_category(parent_id, &name, self.now_ms()).await?;
        tx.commit().await?;
        self.category(actor, id).await
    }

    /// Rename and/or move (`parent_id: Some(None)` moves to the root).
    pub async fn update_category(
        &self,
        actor: &Actor,
        id: i64,
        name: Option<&str>,
        parent_id: Option<Option<i64>>,
    ) -> Result<CategoryView> {
        actor.require_admin()?;
        let rows = self.store.categories().await?;
        let cur = rows
            .iter()
            .find(|r| r.id == id)
            .ok_or(AppError::NotFound("category"))?;
        let name = match name {
            Some(n) => name_of(n)?,
            None => cur.name.clone(),
        };
        let parent = match parent_id {
            None => cur.parent_id,
            Some(None) => None,
            Some(Some(p)) => {
                if !rows.iter().any(|r| r.id == p) {
                    return Err(AppError::invalid(
                        "parent_id",
                        "unknown-reference",
                        p.to_string(),
                    ));
                }
                if creates_cycle(&rows, id, p) {
                    return Err(AppError::invalid(
                        "parent_id",
                        "category-cycle",
                        p.to_string(),
                    ));
                }
                Some(p)
            }
        };
        let mut tx = self.store.begin().await?;
        tx.update_category(id, parent, &name, self.now_ms()).await?;
        tx.commit().await?;
        self.category(actor, id).await
    }

    /// Delete a category that has neither subcategories nor cases.
    pub async fn delete_category(&self, actor: &Actor, id: i64) -> Result<()> {
        actor.require_admin()?;
        let rows = self.store.categories().await?;
        if !rows.iter().any(|r| r.id == id) {
            return Err(AppError::NotFound("category"));
        }
        if rows.iter().any(|r| r.parent_id == Some(id)) {
            return Err(AppError::invalid("id", "has-children", id.to_string()));
        }
        let mut tx = self.store.begin().await?;
        if !tx.delete_unused_category(id).await? {
            return Err(AppError::invalid("id", "in-use", id.to_string()));
        }
        tx.commit().await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(id: i64, parent: Option<i64>, name: &str) -> model::Category {
        model::Category {
            id,
            parent_id: parent,
            name: name.into(),
            created_at: 0,
            updated_at: 0,
        }
    }

    #[test]
    fn paths_run_from_the_root_and_sort_without_accents() {
        let v = with_paths(vec![
            row(1, None, "Livraison"),
            row(2, Some(1), "Retard"),
            row(3, Some(1), "Colis abîmé"),
            row(4, None, "Échange"),
            row(5, None, "Facturation"),
        ]);
        let paths: Vec<String> = v.iter().map(|c| c.path.join(" > ")).collect();
        assert_eq!(
            paths,
            [
                "Échange",
                "Facturation",
                "Livraison",
                "Livraison > Colis abîmé",
                "Livraison > Retard"
            ]
        );
    }

    #[test]
    fn a_category_cannot_go_under_itself_or_a_descendant() {
        let rows: Vec<store::CategoryRow> = vec![
            row(1, None, "a").into(),
            row(2, Some(1), "b").into(),
            row(3, Some(2), "c").into(),
        ];
        assert!(creates_cycle(&rows, 1, 1));
        assert!(creates_cycle(&rows, 1, 3));
        assert!(!creates_cycle(&rows, 3, 1));
        assert!(!creates_cycle(&rows, 2, 1));
    }
}
