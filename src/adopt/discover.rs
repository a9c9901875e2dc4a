//! Discovery: objects of the supported types that exist in a region but that no state knows.

use crate::provider::{Provider, ProviderSettings, ResourceType};
use std::collections::{BTreeMap, BTreeSet};

/// One unmanaged object.
#[derive(Debug, Clone)]
pub struct Found {
    pub type_: &'static str,
    pub id: String,
    pub name: String,
}

/// Lists every given type (concurrently, one paginated describe each) and keeps the objects
/// whose id is not in `known` (type → ids). Types that cannot be listed come back as errors.
pub async fn discover(
    provider: &dyn Provider,
    settings: &ProviderSettings,
    types: &[&'static dyn ResourceType],
    known: &BTreeMap<String, BTreeSet<String>>,
) -> (Vec<Found>, Vec<(&'static str, String)>) {
    let lists = types
        .iter()
        .map(|rt| async move { (*rt, provider.list(settings, rt.type_name()).await) });
    let mut found = Vec::new();
    let mut errors = Vec::new();
    for (rt, result) in futures::future::join_all(lists).await {
        match result {
            Err(e) => errors.push((rt.type_name(), e.message)),
            Ok(objects) => {
                let empty = BTreeSet::new();
                let managed = known.get(rt.type_name()).unwrap_or(&empty);
                for o in objects {
                    let Some(id) = crate::provider::obj::string(&o, "id") else {
                        continue;
                    };
                    if managed.contains(&id) {
                        continue;
                    }
                    let name = crate::provider::name_of(&o).unwrap_or_else(|| id.clone());
                    found.push(Found {
                        type_: rt.type_name(),
                        id,
                        name,
                    });
                }
            }
        }
    }
    found.sort_by(|a, b| (a.type_, &a.name, &a.id).cmp(&(b.type_, &b.name, &b.id)));
    (found, errors)
}

/// `import {}` blocks for the objects, with addresses derived from their names (valid,
/// unique identifiers per type, avoiding `taken` type → names).
pub fn import_blocks(found: &[Found], taken: &BTreeMap<String, BTreeSet<String>>) -> String {
    let mut used: BTreeMap<&str, BTreeSet<String>> = BTreeMap::new();
    let mut out = String::from("# Written by `strata discover`: objects no state manages yet.\n");
    for f in found {
        let names = used
            .entry(f.type_)
            .or_insert_with(|| taken.get(f.type_).cloned().unwrap_or_default());
        let name = super::generate::identifier(&f.name, names);
        out.push_str(&format!(
            "\nimport {{\n  to = {}.{name}\n  id = {}\n}}\n",
            f.type_,
            super::generate::literal(&crate::eval::Value::from(f.id.as_str()))
        ));
    }
    out
}
