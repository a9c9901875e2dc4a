//! String templates and heredocs: interpolations, `%{if}`/`%{for}` directives, strip markers,
//! and `templatefile`'s rendering of a template file's text.

use super::{Evaluator, Result};
use crate::diag::FileId;
use crate::value::{Map, Value};
use hcl_edit::template::{Directive, Element, Template};
use std::path::Path;

impl Evaluator<'_> {
    pub(super) fn template(&mut self, t: &Template) -> Result<Value> {
        let mut out = String::new();
        let mut marked = false;
        let mut unknown = false;
        self.template_into(t, &mut out, &mut marked, &mut unknown)?;
        if unknown {
            return Ok(Value::Unknown.mark_if(marked));
        }
        Ok(Value::String(out).mark_if(marked))
    }

    fn template_into(
        &mut self,
        t: &Template,
        out: &mut String,
        marked: &mut bool,
        unknown: &mut bool,
    ) -> Result<()> {
        let mut strip_next = false;
        for element in t.iter() {
            match element {
                Element::Literal(lit) => {
                    let s = lit.value();
                    if strip_next {
                        out.push_str(s.trim_start());
                    } else {
                        out.push_str(s);
                    }
                    strip_next = false;
                }
                Element::Interpolation(i) => {
                    if i.strip.strip_start() {
                        trim_end_in_place(out);
                    }
                    let (v, m) = self.eval(&i.expr)?.unmark();
                    *marked |= m;
                    match v {
                        Value::Unknown => *unknown = true,
                        Value::Null => {
                            return Err(self
                                .err(&i.expr, "Invalid template interpolation value")
                                .detail("the expression result is null")
                                .help("interpolate a string, number or bool; use coalesce() to supply a default"))
                        }
                        v => match v.to_template_string() {
                            Some(s) => out.push_str(&s),
                            None => {
                                if v.is_wholly_known() {
                                    return Err(self
                                        .err(&i.expr, "Invalid template interpolation value")
                                        .detail(format!("cannot include {} in a string", v.type_name()))
                                        .help("interpolate a string, number or bool; use join() or jsonencode() for collections"));
                                }
                                *unknown = true;
                            }
                        },
                    }
                    strip_next = i.strip.strip_end();
                }
                Element::Directive(d) => match d.as_ref() {
                    Directive::If(dir) => {
                        if dir.if_expr.strip.strip_start() {
                            trim_end_in_place(out);
                        }
                        let (c, m) = self.eval(&dir.if_expr.cond_expr)?.unmark();
                        *marked |= m;
                        match c {
                            Value::Unknown => *unknown = true,
                            c => {
                                let c = self.boolean(&dir.if_expr.cond_expr, c)?;
                                if c {
                                    self.template_into(
                                        &dir.if_expr.template,
                                        out,
                                        marked,
                                        unknown,
                                    )?;
                                } else if let Some(e) = &dir.else_expr {
                                    self.template_into(&e.template, out, marked, unknown)?;
                                }
                            }
                        }
                        strip_next = dir.endif_expr.strip.strip_end();
                    }
                    Directive::For(dir) => {
                        let f = &dir.for_expr;
                        if f.strip.strip_start() {
                            trim_end_in_place(out);
                        }
                        let (coll, m) = self.eval(&f.collection_expr)?.unmark();
                        *marked |= m;
                        if matches!(coll, Value::Unknown) {
                            *unknown = true;
                        } else {
                            let pairs = self.iteration_pairs(&f.collection_expr, coll)?;
                            for (k, v) in pairs {
                                let before = self.bound.len();
                                if let Some(kv) = &f.key_var {
                                    self.bound.push((kv.as_str().to_string(), k));
                                }
                                self.bound.push((f.value_var.as_str().to_string(), v));
                                let r = self.template_into(&f.template, out, marked, unknown);
                                self.bound.truncate(before);
                                r?;
                            }
                        }
                        strip_next = dir.endfor_expr.strip.strip_end();
                    }
                },
            }
        }
        Ok(())
    }
}

fn trim_end_in_place(s: &mut String) {
    let trimmed = s.trim_end().len();
    s.truncate(trimmed);
}

/// Renders a template file's text (for `templatefile`) with only the given variables in scope.
pub fn render_template_text(
    text: &str,
    vars: &Map,
    base_dir: &Path,
) -> std::result::Result<Value, String> {
    let template = hcl_edit::parser::parse_template(text).map_err(|e| e.to_string())?;
    let scope = Map::new();
    let mut ev = Evaluator::new(&scope, FileId(u32::MAX), base_dir);
    for (k, v) in vars {
        ev.bind(k, v.clone());
    }
    ev.template(&template).map_err(|d| {
        let mut s = d.summary.clone();
        if let Some(detail) = &d.detail {
            s.push_str(": ");
            s.push_str(detail);
        }
        s
    })
}
