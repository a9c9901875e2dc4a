//! `for` expressions: iteration over lists and maps, filters, object keys and `...` grouping.

use super::{Evaluator, Result};
use crate::value::{Map, Value};
use hcl_edit::expr::Expression;

impl Evaluator<'_> {
    pub(super) fn iteration_pairs(
        &self,
        at: &Expression,
        coll: Value,
    ) -> Result<Vec<(Value, Value)>> {
        match coll {
            Value::List(items) => Ok(items
                .into_iter()
                .enumerate()
                .map(|(i, v)| (Value::Number(i as f64), v))
                .collect()),
            Value::Map(map) => Ok(map
                .into_iter()
                .map(|(k, v)| (Value::String(k), v))
                .collect()),
            other => Err(self
                .err(at, "Cannot iterate over this value")
                .detail(format!(
                    "a for expression needs a list, set, map or object, got {}",
                    other.type_name()
                ))
                .help("iterate over a collection")),
        }
    }

    pub(super) fn for_expr(&mut self, f: &hcl_edit::expr::ForExpr) -> Result<Value> {
        let (coll, mut marked) = self.eval(&f.intro.collection_expr)?.unmark();
        if matches!(coll, Value::Unknown) {
            return Ok(Value::Unknown);
        }
        let pairs = self.iteration_pairs(&f.intro.collection_expr, coll)?;
        let mut list = Vec::new();
        let mut map: Map = Map::new();
        let mut groups: indexmap::IndexMap<String, Vec<Value>> = indexmap::IndexMap::new();
        let mut unknown = false;
        for (k, v) in pairs {
            let before = self.bound.len();
            if let Some(kv) = &f.intro.key_var {
                self.bound.push((kv.as_str().to_string(), k));
            }
            self.bound.push((f.intro.value_var.as_str().to_string(), v));
            let r = (|| -> Result<()> {
                if let Some(cond) = &f.cond {
                    let (c, m) = self.eval(&cond.expr)?.unmark();
                    marked |= m;
                    match c {
                        Value::Unknown => {
                            unknown = true;
                            return Ok(());
                        }
                        c => {
                            if !self.boolean(&cond.expr, c)? {
                                return Ok(());
                            }
                        }
                    }
                }
                let value = self.eval(&f.value_expr)?;
                match &f.key_expr {
                    None => list.push(value),
                    Some(key_expr) => {
                        let (key, m) = self.eval(key_expr)?.unmark();
                        marked |= m;
                        let key = match key {
                            Value::Unknown => {
                                unknown = true;
                                return Ok(());
                            }
                            key => key.to_template_string().ok_or_else(|| {
                                self.err(key_expr, "Invalid object key")
                                    .detail(format!(
                                        "the key must be a string, got {}",
                                        key.type_name()
                                    ))
                                    .help("produce a string key")
                            })?,
                        };
                        if f.grouping {
                            groups.entry(key).or_default().push(value);
                        } else {
                            match map.entry(key) {
                                std::collections::btree_map::Entry::Occupied(e) => {
                                    return Err(self
                                        .err(key_expr, "Duplicate object key")
                                        .detail(format!(
                                            "two elements produce the key \"{}\"",
                                            e.key()
                                        ))
                                        .help(
                                            "add `...` after the value expression to group values by key",
                                        ));
                                }
                                std::collections::btree_map::Entry::Vacant(e) => {
                                    e.insert(value);
                                }
                            }
                        }
                    }
                }
                Ok(())
            })();
            self.bound.truncate(before);
            r?;
        }
        if unknown {
            return Ok(Value::Unknown.mark_if(marked));
        }
        let out = match &f.key_expr {
            None => Value::List(list),
            Some(_) if f.grouping => Value::Map(
                groups
                    .into_iter()
                    .map(|(k, v)| (k, Value::List(v)))
                    .collect(),
            ),
            Some(_) => Value::Map(map),
        };
        Ok(out.mark_if(marked))
    }
}
